"""Properties of the authorization decision over random collection trees, grants and
requesters (hypothesis): a grant on an ancestor reaches every descendant; removing a
grant never widens access; active admins are always allowed; inactive users never are;
the set of collections allowing an operation is exactly where the decision allows it."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from wharf.access.decide import (
    AccessSnapshot,
    CollectionNode,
    GrantRef,
    Requester,
    RoleDef,
    collections_allowing,
    decide,
)
from wharf.access.operations import Operation, SubOption
from wharf.access.roles import BUILTIN_ROLES

ROLES = {rid: RoleDef(rid, name, perms) for rid, (name, perms) in BUILTIN_ROLES.items()}
# The requester is "u"; "t1", "t2" (teams) and "o1" (an organization) may act for them;
# "x" never does.
SUBJECTS = {"u": "user", "t1": "team", "t2": "team", "o1": "org", "x": "user"}
OPERATIONS = list(Operation)
SUB_OPTIONS = list(SubOption)


@dataclass(frozen=True)
class World:
    collections: dict[str, CollectionNode]
    grants: list[GrantRef]

    def snapshot(self, grants: list[GrantRef] | None = None) -> AccessSnapshot:
        by_collection: dict[str, list[GrantRef]] = {}
        for g in self.grants if grants is None else grants:
            by_collection.setdefault(g.collection_id, []).append(g)
        return AccessSnapshot(
            roles=ROLES,
            collections=self.collections,
            by_path={c.path: c.id for c in self.collections.values()},
            grants_by_collection={k: tuple(v) for k, v in by_collection.items()},
        )

    def descendants(self, collection_id: str) -> list[str]:
        found = []
        for cid in self.collections:
            node: CollectionNode | None = self.collections[cid]
            while node is not None:
                if node.id == collection_id:
                    found.append(cid)
                    break
                node = self.collections.get(node.parent_id) if node.parent_id else None
        return found


@st.composite
def worlds(draw: st.DrawFn) -> World:
    """A tree of 1-25 collections (each under an earlier one) and up to 12 grants."""
    size = draw(st.integers(1, 25))
    collections = {"c0": CollectionNode("c0", "/", None)}
    for i in range(1, size):
        parent = collections[f"c{draw(st.integers(0, i - 1))}"]
        prefix = "" if parent.path == "/" else parent.path
        collections[f"c{i}"] = CollectionNode(f"c{i}", f"{prefix}/n{i}", parent.id)
    grant = st.builds(
        lambda subject, cid, role: GrantRef(subject, SUBJECTS[subject], cid, role),
        st.sampled_from(sorted(SUBJECTS)),
        st.sampled_from(sorted(collections)),
        st.sampled_from(sorted(ROLES)),
    )
    return World(collections, draw(st.lists(grant, max_size=12)))


def requesters(
    admin: bool | None = None, active: bool | None = None
) -> st.SearchStrategy[Requester]:
    return st.builds(
        lambda groups, is_admin, is_active: Requester(
            "u", "user", is_admin, is_active, frozenset({"u", *groups})
        ),
        st.sets(st.sampled_from(["t1", "t2", "o1"])),
        st.just(admin) if admin is not None else st.booleans(),
        st.just(active) if active is not None else st.booleans(),
    )


questions = st.tuples(
    st.sampled_from(OPERATIONS), st.frozensets(st.sampled_from(SUB_OPTIONS), max_size=2)
)


@settings(max_examples=150, deadline=None)
@given(worlds(), requesters(admin=False, active=True), st.data())
def test_a_grant_on_an_ancestor_reaches_every_descendant(
    world: World, requester: Requester, data: st.DataObject
) -> None:
    mine = [g for g in world.grants if g.subject_id in requester.subjects]
    if not mine:
        return
    grant = data.draw(st.sampled_from(mine))
    permissions = ROLES[grant.role_id].permissions
    if not permissions:
        return
    operation = data.draw(st.sampled_from(sorted(permissions, key=lambda o: o.value)))
    role_subs = sorted(permissions[operation])
    subs = data.draw(st.frozensets(st.sampled_from(role_subs))) if role_subs else frozenset()
    snapshot = world.snapshot()
    for cid in world.descendants(grant.collection_id):
        decision = decide(requester, operation, subs, cid, snapshot)
        assert decision.allowed, (operation, subs, world.collections[cid].path, decision.message)


@settings(max_examples=150, deadline=None)
@given(worlds(), requesters(), st.data())
def test_removing_a_grant_never_widens_access(
    world: World, requester: Requester, data: st.DataObject
) -> None:
    if not world.grants:
        return
    removed = data.draw(st.integers(0, len(world.grants) - 1))
    before, after = (
        world.snapshot(),
        world.snapshot(world.grants[:removed] + world.grants[removed + 1 :]),
    )
    for _ in range(20):
        operation, subs = data.draw(questions)
        cid = data.draw(st.sampled_from(sorted(world.collections)))
        if decide(requester, operation, subs, cid, after).allowed:
            assert decide(requester, operation, subs, cid, before).allowed


@settings(max_examples=100, deadline=None)
@given(worlds(), requesters(admin=True, active=True), questions, st.data())
def test_active_admins_are_always_allowed(
    world: World,
    admin: Requester,
    question: tuple[Operation, frozenset[SubOption]],
    data: st.DataObject,
) -> None:
    cid = data.draw(st.sampled_from(sorted(world.collections)))
    assert decide(admin, question[0], question[1], cid, world.snapshot()).allowed


@settings(max_examples=100, deadline=None)
@given(worlds(), requesters(active=False), questions, st.data())
def test_inactive_users_are_never_allowed(
    world: World,
    user: Requester,
    question: tuple[Operation, frozenset[SubOption]],
    data: st.DataObject,
) -> None:
    cid = data.draw(st.sampled_from(sorted(world.collections)))
    assert not decide(user, question[0], question[1], cid, world.snapshot()).allowed


@settings(max_examples=150, deadline=None)
@given(worlds(), requesters(), st.sampled_from(OPERATIONS))
def test_collections_allowing_is_where_the_decision_allows(
    world: World, requester: Requester, operation: Operation
) -> None:
    """The list filter asks for the whole set at once (and, for one collection, lets the
    engine filter by its label): it must agree with the decision, collection by
    collection — including when asked again of the same snapshot."""
    snapshot = world.snapshot()
    expected = {
        cid
        for cid in world.collections
        if decide(requester, operation, frozenset(), cid, snapshot).allowed
    }
    assert collections_allowing(requester, operation, snapshot) == expected
    assert collections_allowing(requester, operation, snapshot) == expected
