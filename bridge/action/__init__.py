"""The GitHub Action: the whole bridge inside one workflow run, with no server and no database.

Each run builds a throwaway store, hydrates it from the state blocks in the tracker
(``bridge.core.stateblock``), runs the service's own handlers, delivers what they queued and
writes the state back. See ``docs/action.md``.
"""
