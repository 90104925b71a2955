"""The route tables refuse a second registration of the same name: a silent overwrite would hide a feature."""

from __future__ import annotations

import pytest

from magbot.core.context import Context
from magbot.core.events import Reply
from magbot.core.router import Router
from magbot.handlers import build_features


async def nothing(ctx: Context) -> Reply:
    return Reply()


@pytest.mark.parametrize(
    "register",
    [
        lambda r: r.command("help", nothing),
        lambda r: r.flow("suggest", nothing),
        lambda r: r.on("JoinRequest", nothing),
    ],
    ids=["command", "flow", "event"],
)
def test_a_second_registration_raises(register: object) -> None:
    router, _ = build_features()
    with pytest.raises(ValueError, match="registered twice"):
        register(router)  # type: ignore[operator]


def test_a_fresh_router_takes_each_once() -> None:
    router = Router()
    router.flow("x", nothing)
    router.on("MemberLeft", nothing)
    assert set(router.flows) == {"x"} and set(router.events) == {"MemberLeft"}
