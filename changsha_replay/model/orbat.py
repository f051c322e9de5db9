"""The order of battle: units as a tree, with the queries the views need."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from .records import Unit


class OrderOfBattle(Sequence[Unit]):
    """An immutable sequence of units (in file order) that also answers tree queries.

    A unit's *index* is its position in the sequence; the unit tracks use the same index.
    Queries tolerate a broken tree (unknown parent, cycle): validation reports those.
    """

    __slots__ = ("_children", "_index", "_roots", "_units")

    def __init__(self, units: Sequence[Unit]) -> None:
        self._units: tuple[Unit, ...] = tuple(units)
        self._index: dict[str, int] = {}
        for i, unit in enumerate(self._units):
            self._index.setdefault(unit.id, i)
        self._children: dict[str | None, list[str]] = {}
        self._roots: list[str] = []
        for unit in self._units:
            parent = unit.parent_id if unit.parent_id in self._index else None
            self._children.setdefault(parent, []).append(unit.id)
            if parent is None:
                self._roots.append(unit.id)

    def __len__(self) -> int:
        return len(self._units)

    def __getitem__(self, i):  # type: ignore[override]
        return self._units[i]

    def __iter__(self) -> Iterator[Unit]:
        return iter(self._units)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OrderOfBattle) and self._units == other._units

    def __hash__(self) -> int:
        return hash(self._units)

    def __repr__(self) -> str:
        return f"OrderOfBattle({len(self)} units)"

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(u.id for u in self._units)

    def __contains__(self, unit_id: object) -> bool:
        return unit_id in self._index

    def get(self, unit_id: str) -> Unit | None:
        i = self._index.get(unit_id)
        return None if i is None else self._units[i]

    def unit(self, unit_id: str) -> Unit:
        """The unit with this id (KeyError if there is none)."""
        return self._units[self._index[unit_id]]

    def index_of(self, unit_id: str) -> int:
        return self._index[unit_id]

    def roots(self) -> list[Unit]:
        """Units without a (known) parent, in file order."""
        return [self.unit(i) for i in self._roots]

    def children(self, unit_id: str | None) -> list[Unit]:
        """Direct subordinates of a unit (of the roots for ``None``), in file order."""
        return [self.unit(i) for i in self._children.get(unit_id, ())]

    def parent(self, unit_id: str) -> Unit | None:
        parent_id = self.unit(unit_id).parent_id
        return self.get(parent_id) if parent_id is not None else None

    def ancestors(self, unit_id: str) -> list[Unit]:
        """Chain of superiors from the direct parent up to the root (stops at a cycle)."""
        chain: list[Unit] = []
        seen = {unit_id}
        parent = self.parent(unit_id)
        while parent is not None and parent.id not in seen:
            chain.append(parent)
            seen.add(parent.id)
            parent = self.parent(parent.id)
        return chain

    def subtree(self, unit_id: str) -> list[Unit]:
        """The unit and all its subordinates, depth first, in file order."""
        out: list[Unit] = []
        seen: set[str] = set()
        stack = [unit_id]
        while stack:
            current = stack.pop()
            if current in seen or current not in self._index:
                continue
            seen.add(current)
            out.append(self.unit(current))
            stack.extend(reversed(self._children.get(current, ())))
        return out

    def subtree_ids(self, unit_id: str) -> frozenset[str]:
        return frozenset(u.id for u in self.subtree(unit_id))

    def depth(self, unit_id: str) -> int:
        return len(self.ancestors(unit_id))

    def find_cycles(self) -> list[list[str]]:
        """Each parent cycle once, as the list of unit ids on it."""
        state: dict[str, int] = {}  # 1 = on the current path, 2 = done
        cycles: list[list[str]] = []
        for start in self._index:
            path: list[str] = []
            current: str | None = start
            while current is not None and current in self._index and current not in state:
                state[current] = 1
                path.append(current)
                current = self.unit(current).parent_id
            if current is not None and state.get(current) == 1:
                cycles.append(path[path.index(current) :])
            for node in path:
                state[node] = 2
        return cycles
