"""A Starlette subclass whose outermost layer is the sandbox middleware."""

from __future__ import annotations

from starlette.applications import Starlette

from .middleware import Hooks, SandboxMiddleware, SandboxState


class SandboxApp(Starlette):
    def __init__(self, *args, sandbox_state: SandboxState, sandbox_hooks: Hooks, **kw):
        self.sandbox_state = sandbox_state
        self.sandbox_hooks = sandbox_hooks
        super().__init__(*args, **kw)

    def build_middleware_stack(self):
        return SandboxMiddleware(super().build_middleware_stack(), self.sandbox_state, self.sandbox_hooks)
