"""Package URLs (parsed by ``packageurl-python``, the purl specification's reference library)
and what each record format calls a package's ecosystem."""

from __future__ import annotations

from dataclasses import dataclass

from packageurl import PackageURL

from bridge.core.errors import InputError


@dataclass(frozen=True)
class Ecosystem:
    osv: str
    """The OSV ``package.ecosystem`` name."""
    collection: str | None
    """The CVE record's ``collectionURL`` (the package registry)."""
    version_type: str
    """The CVE record's ``versionType`` (and the ``vers:`` scheme of a CSAF range)."""


ECOSYSTEMS: dict[str, Ecosystem] = {
    "pypi": Ecosystem("PyPI", "https://pypi.org", "python"),
    "npm": Ecosystem("npm", "https://www.npmjs.com", "semver"),
    "maven": Ecosystem("Maven", "https://repo.maven.apache.org/maven2", "maven"),
    "cargo": Ecosystem("crates.io", "https://crates.io", "semver"),
    "gem": Ecosystem("RubyGems", "https://rubygems.org", "gem"),
    "golang": Ecosystem("Go", "https://pkg.go.dev", "semver"),
    "nuget": Ecosystem("NuGet", "https://www.nuget.org", "nuget"),
    "composer": Ecosystem("Packagist", "https://packagist.org", "composer"),
    "hex": Ecosystem("Hex", "https://hex.pm", "semver"),
    "pub": Ecosystem("Pub", "https://pub.dev", "semver"),
    "hackage": Ecosystem("Hackage", "https://hackage.haskell.org", "custom"),
    "cran": Ecosystem("CRAN", "https://cran.r-project.org", "custom"),
    "conan": Ecosystem("ConanCenter", "https://conan.io/center", "custom"),
    "swift": Ecosystem("SwiftURL", None, "semver"),
    "githubactions": Ecosystem("GitHub Actions", "https://github.com", "semver"),
    "deb": Ecosystem("Debian", None, "deb"),
    "apk": Ecosystem("Alpine", None, "apk"),
}
"""purl type → ecosystem names (purl types without an entry have no OSV ecosystem)."""


def parse_purl(text: str) -> PackageURL:
    """A package URL naming a package (not one version of it); InputError otherwise."""
    try:
        purl = PackageURL.from_string(text.strip())
    except ValueError as exc:
        raise InputError(f"not a package URL (pkg:type/namespace/name): {str(exc)[:100]}") \
            from None
    if purl.version:
        raise InputError("name the package without @version; give the affected versions as a "
                         "range (e.g. >=1.0 <1.4.2)")
    return purl


def package_name(purl: PackageURL) -> str:
    """The name an ecosystem knows the package by (Maven ``group:artifact``, npm ``@scope/n``,
    Go the module path)."""
    if not purl.namespace:
        return str(purl.name)
    separator = ":" if purl.type == "maven" else "/"
    return f"{purl.namespace}{separator}{purl.name}"


def ecosystem(purl_text: str | None) -> Ecosystem | None:
    if not purl_text:
        return None
    return ECOSYSTEMS.get(parse_purl(purl_text).type)
