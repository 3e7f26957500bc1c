"""Turning anticipated failures into tool errors that say what to do next.

Only a ToolError's text reaches the model (anything else becomes the SDK's bare "Error executing
tool"), so every Sage200Error is re-raised as one. Not being signed in is special: the sign-in
starts in the background and the error carries its URL (and, for clients that support it, a URL
elicitation asks the client to show it), so no call ever waits on a browser.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar

from mcp import MCPError
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from mcp.shared.exceptions import UrlElicitationRequiredError
from mcp.types import ElicitRequestURLParams

from sage200_mcp.auth import AuthError, NotSignedIn, Started
from sage200_mcp.errors import Sage200Error
from sage200_mcp.tools.state import AppState, app_state

P = ParamSpec("P")
R = TypeVar("R")


def guarded(
    tool: Callable[P, Awaitable[R]], *, needs_setup: bool = True
) -> Callable[P, Awaitable[R]]:
    """Wrap a tool so every Sage200Error leaves as a ToolError (or a sign-in prompt).

    A server started before it was set up answers a tool that ``needs_setup`` with what to
    set and where; get_status and diagnose work regardless, to say so themselves.
    """

    @functools.wraps(tool)
    async def run(*args: P.args, **kwargs: P.kwargs) -> R:
        context = next((v for v in kwargs.values() if isinstance(v, Context)), None)
        try:
            if needs_setup and context is not None:
                app_state(context).require_setup()
            return await tool(*args, **kwargs)
        except NotSignedIn as error:
            if context is None:  # pragma: no cover - every tool takes a Context
                raise ToolError(str(error)) from error
            raise await sign_in_prompt(context, error) from None
        except Sage200Error as error:
            raise ToolError(str(error)) from error

    return run


def guarded_resource(read: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """``guarded`` for a resource read: the same advice (sign in at this address, choose a
    company with switch_site), as a ResourceError, whose text the SDK sends to the client;
    anything else it reports as a bare "Error creating resource from template"."""
    advised = guarded(read)

    @functools.wraps(read)
    async def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await advised(*args, **kwargs)
        except ToolError as error:
            raise ResourceError(str(error)) from error

    return run


async def sign_in_prompt(ctx: Context[AppState, Any], cause: NotSignedIn) -> Exception:
    """Start (or reuse) a background sign-in and return the error that tells the user.

    The cause comes first when there is one to tell (the sign-in expired, was revoked, the
    token file is damaged): "not signed in yet" would hide what happened.
    """
    state = app_state(ctx)
    headline = str(cause) if cause.explained else "Not signed in to Sage yet."
    try:
        started = await state.sign_in.begin()
    except AuthError as failure:
        return ToolError(
            f"{headline} The sign-in could not start here: {failure} From a terminal, run"
            " `sage200-mcp login --no-browser`, then ask again."
        )
    except Sage200Error as failure:
        return ToolError(f"{headline} {failure}")
    message = f"{headline} {sign_in_steps(started)}"
    if state.sign_in.last_failure:
        message += f" (The previous attempt failed: {state.sign_in.last_failure})"
    if _supports_url_elicitation(ctx):
        return UrlElicitationRequiredError(
            [
                ElicitRequestURLParams(
                    message="Sign in to Sage to let the assistant read your books.",
                    url=started.url,
                    elicitation_id=uuid.uuid4().hex,
                )
            ],
            message=message,
        )
    return ToolError(message)


def sign_in_steps(started: Started) -> str:
    """What the user does next, in words the model can pass on."""
    opened = (
        "A browser window has opened for you to sign in to Sage; if it did not, open"
        if started.opened
        else "To sign in to Sage, open"
    )
    if started.paste_from is None:
        return f"{opened} this address: {started.url} . Once you have signed in, ask again."
    return (
        f"{opened} this address: {started.url} . After signing in, the browser goes to"
        f" {started.paste_from}?code=... (that page may not load or may show an error; that is"
        " expected). Ask the user to copy that whole address from the browser's address bar,"
        " then call complete_login with it."
    )


def _supports_url_elicitation(ctx: Context[Any, Any]) -> bool:
    try:
        capabilities = ctx.client_capabilities
    except (AttributeError, RuntimeError, MCPError):
        return False
    elicitation = capabilities.elicitation if capabilities is not None else None
    return elicitation is not None and elicitation.url is not None
