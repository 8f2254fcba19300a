"""``/vultron set|add|unset <field> …``: one edit of the case's publication fields.

:func:`parse_edit` checks the value (a CVSS vector is parsed and scored, a package URL
parsed, a CVE or CWE id matched) so that :func:`apply_edit` cannot fail; words are split
like a shell does, so ``"Example Corp"`` is one word.

=================  ===============================================================
``set title``       the rest of the line
``set description`` the rest of the line
``set cve``         ``CVE-2025-12345``, or ``none`` (this case gets no CVE id)
``set cwe``         one or more ``CWE-79`` (replaces the list; ``add cwe`` appends)
``set cvss``        a ``CVSS:3.1/…`` or ``CVSS:4.0/…`` vector (replaces that version's)
``add product``     ``pkg:pypi/example >=1.0 <1.4.2`` or ``"Vendor" "Product" <=2.0``
``add credit``      ``[type] name [<contact>]`` — type ``finder`` unless given
``add reference``   ``[type] url`` — type ``web`` unless given
``add fix``         ``<commit URL>`` or ``release <version> [url]``
``unset``           a field (``ssvc`` too); ``unset product <key>``, ``unset cvss 4.0`` remove one
=================  ===============================================================
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

from bridge.core.errors import InputError
from bridge.core.records import purls
from bridge.core.records.cvss import parse_cvss
from bridge.core.records.fields import (
    CREDIT_TYPES,
    CVE_ID,
    CWE_ID,
    REFERENCE_TYPES,
    CaseFields,
    Credit,
    Fix,
    Product,
    Reference,
    VersionRange,
)

VERBS = ("set", "add", "unset")
SET_FIELDS = ("title", "description", "cve", "cwe", "cvss")
ADD_FIELDS = ("product", "credit", "reference", "fix", "cwe")
UNSET_FIELDS = ("title", "description", "cve", "cwe", "cvss", "product", "credit",
                "reference", "fix", "ssvc")
USAGE = (
    "`/vultron set title|description|cve|cwe|cvss <value>`, "
    "`/vultron add product|credit|reference|fix|cwe <value>`, `/vultron unset <field>`"
)


@dataclass(frozen=True)
class Edit:
    verb: str
    field: str
    value: Any = None
    """What was parsed: text, a tuple of ids, a Product, Credit, Reference, Fix; for
    ``unset``, what to remove (None: the whole field)."""

    def summary(self) -> str:
        shown = self.value.key if isinstance(self.value, Product) else self.value
        if isinstance(shown, tuple):
            shown = " ".join(shown)
        text = "" if shown is None else f" {str(shown)[:200]}"
        return f"{self.verb} {self.field}{text}"


def _words(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        raise InputError("unbalanced quotes") from None


def _range(words: list[str]) -> VersionRange:
    introduced, fixed, last = "0", None, None
    for word in words:
        key, sep, value = word.partition("=")
        if sep and key in ("introduced", "fixed", "last_affected") and value:
            introduced, fixed, last = (value if key == "introduced" else introduced,
                                       value if key == "fixed" else fixed,
                                       value if key == "last_affected" else last)
        elif word.startswith(">=") and len(word) > 2:
            introduced = word[2:]
        elif word.startswith("<=") and len(word) > 2:
            last = word[2:]
        elif word.startswith("<") and len(word) > 1:
            fixed = word[1:]
        elif word.startswith("=") and len(word) > 1:
            introduced = last = word[1:]
        elif word != "all":
            raise InputError(f"{word[:40]!r} is not a version bound: use >=V, <V (fixed in V), "
                             "<=V (last affected), =V or all")
    if fixed and last:
        raise InputError("a range has either <fixed or <=last_affected, not both")
    return VersionRange(introduced, fixed, last)


def _product(words: list[str]) -> Product:
    if not words:
        raise InputError("add product needs a package URL (pkg:pypi/name) or vendor and product")
    if words[0].startswith("pkg:"):
        purl = purls.parse_purl(words[0])
        ranges = (_range(words[1:]),) if words[1:] else ()
        return Product(purls.package_name(purl), purl.namespace or None, purl.to_string(),
                       ranges)
    if len(words) < 2:
        raise InputError("add product needs a vendor and a product name (quote names with "
                         "spaces) or a package URL")
    return Product(words[1], words[0], None, (_range(words[2:]),) if words[2:] else ())


def _credit(words: list[str]) -> Credit:
    kind = "finder"
    if words and words[0].lower().replace("-", "_") in CREDIT_TYPES:
        kind = words.pop(0).lower().replace("-", "_")
    contact = tuple(w.strip("<>") for w in words if w.startswith("<") and w.endswith(">"))
    name = " ".join(w for w in words if not (w.startswith("<") and w.endswith(">")))
    if not name:
        raise InputError(f"add credit needs a name (types: {', '.join(CREDIT_TYPES)})")
    return Credit(name, kind, contact)


def _url(word: str) -> str:
    if not word.startswith(("https://", "http://")) or len(word) < 12 or " " in word:
        raise InputError(f"{word[:60]!r} is not an http(s) URL")
    return word


def _reference(words: list[str]) -> Reference:
    kind = words.pop(0).lower() if len(words) > 1 and words[0].lower() in REFERENCE_TYPES \
        else "web"
    if len(words) != 1:
        raise InputError(f"add reference takes [type] url (types: {', '.join(REFERENCE_TYPES)})")
    return Reference(_url(words[0]), kind)


def _fix(words: list[str]) -> Fix:
    if words and words[0] == "release":
        if len(words) not in (2, 3):
            raise InputError("add fix release takes a version and an optional URL")
        return Fix("release", words[1], _url(words[2]) if len(words) == 3 else None)
    if len(words) != 1:
        raise InputError("add fix takes a commit URL, or release <version> [url]")
    url = _url(words[0])
    sha = url.rstrip("/").rsplit("/", 1)[-1]
    return Fix("commit", sha, url)


def _cwes(words: list[str]) -> tuple[str, ...]:
    ids = tuple(w.upper() for w in words)
    bad = [w for w in ids if not CWE_ID.match(w)]
    if not ids or bad:
        raise InputError("CWE ids look like CWE-79")
    return ids


def _set(name: str, rest: str, words: list[str]) -> Edit:
    if name in ("title", "description"):
        if not rest:
            raise InputError(f"set {name} needs text")
        return Edit("set", name, rest[:4000] if name == "title" else rest)
    if name == "cve":
        value = rest.upper()
        if value != "NONE" and not CVE_ID.match(value):
            raise InputError("set cve takes a CVE id (CVE-2025-12345) or none")
        return Edit("set", "cve", None if value == "NONE" else value)
    if name == "cwe":
        return Edit("set", "cwe", _cwes(words))
    return Edit("set", "cvss", parse_cvss(rest).vector)


def _add(name: str, words: list[str]) -> Edit:
    parsed: Any = {"product": _product, "credit": _credit, "reference": _reference,
                   "fix": _fix, "cwe": _cwes}[name](words)
    return Edit("add", name, parsed)


def parse_edit(verb: str, text: str) -> Edit:
    """The edit ``/vultron <verb> <text>`` asks for; InputError saying how to write it."""
    head, _, rest = text.strip().partition(" ")
    name, rest = head.lower(), rest.strip()
    allowed = {"set": SET_FIELDS, "add": ADD_FIELDS, "unset": UNSET_FIELDS}.get(verb, ())
    if name not in allowed:
        raise InputError(f"{verb} takes one of {', '.join(allowed)}: {USAGE}")
    words = [] if name in ("title", "description") else _words(rest)
    if verb == "set":
        return _set(name, rest, words)
    if verb == "add":
        return _add(name, words)
    return Edit("unset", name, rest or None)


def _without(items: tuple[Any, ...], which: str | None, key: Any) -> tuple[Any, ...]:
    return () if which is None else tuple(i for i in items if key(i) != which)


def apply_edit(fields: CaseFields, edit: Edit) -> CaseFields:
    """The fields after ``edit`` (``fields`` is not changed)."""
    name, value = edit.field, edit.value
    if edit.verb == "unset":
        return _unset(fields, name, value)
    if name in ("title", "description"):
        return fields.with_changes(**{name: value})
    if name == "cve":
        return fields.with_changes(cve_id=value, no_cve=value is None)
    if name == "cwe":
        cwes = value if edit.verb == "set" else fields.cwes + value
        return fields.with_changes(cwes=tuple(dict.fromkeys(cwes)))
    if name == "cvss":
        version = value[5:8]
        kept = tuple(v for v in fields.cvss if v[5:8] != version)
        return fields.with_changes(cvss=tuple(sorted((*kept, value))))
    if name == "product":
        return fields.with_changes(products=_merge_product(fields.products, value))
    plural = {"credit": "credits", "reference": "references", "fix": "fixes"}[name]
    current: tuple[Any, ...] = getattr(fields, plural)
    return fields.with_changes(**{plural: tuple(dict.fromkeys((*current, value)))})


def _merge_product(products: tuple[Product, ...], new: Product) -> tuple[Product, ...]:
    for n, old in enumerate(products):
        if old.key == new.key:
            merged = Product(old.name, old.vendor or new.vendor, old.purl,
                             tuple(dict.fromkeys(old.ranges + new.ranges)))
            return (*products[:n], merged, *products[n + 1:])
    return (*products, new)


def _unset(fields: CaseFields, name: str, which: str | None) -> CaseFields:
    if name in ("title", "description"):
        return fields.with_changes(**{name: None})
    if name == "cve":
        return fields.with_changes(cve_id=None, no_cve=False)
    if name == "ssvc":
        return fields.with_changes(ssvc=None)
    if name == "cwe":
        return fields.with_changes(cwes=_without(fields.cwes, which and which.upper(), str))
    if name == "cvss":
        return fields.with_changes(cvss=_without(fields.cvss, which, lambda v: v[5:8]))
    if name == "product":
        return fields.with_changes(products=_without(fields.products, which, lambda p: p.key))
    if name == "credit":
        return fields.with_changes(credits=_without(fields.credits, which, lambda c: c.name))
    if name == "reference":
        return fields.with_changes(references=_without(fields.references, which,
                                                       lambda r: r.url))
    return fields.with_changes(fixes=_without(fields.fixes, which, lambda f: f.ref))
