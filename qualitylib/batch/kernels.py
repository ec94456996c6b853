"""Kernel start-up for parallel batch runs.

Measured on the 2-core machines (see ``benchmarks/README.md``): TCP kernels started by
two processes at once pick overlapping ports about 0.2 % of the time (the kernel then dies
before replying); ``transport="ipc"`` alone makes every kernel share ``./kernel-ipc-*``
sockets and fails with "Kernel didn't respond in 60 seconds". An IPC kernel with a unique
connection file (the socket paths derive from it) removes both races, and an immediate
shutdown removes the 2.6-4 s shutdown stalls.

The connection files and sockets are created in the run's private folder
(:func:`set_kernel_dir`), which the runner removes at the end of the run, so a kernel that
died or was killed leaves no socket behind. :func:`kill_kernels` stops every kernel this
process started (a worker does so when it is told to stop or its parent dies).
:class:`WarmKernelManager` is the same manager with its kernel forked by the worker's
template (:mod:`qualitylib.batch.warm`), used while the template runs.
"""
from __future__ import annotations

import os
import signal
import tempfile
import uuid
import weakref

from jupyter_client import AsyncKernelManager

#: Messages of kernel start-up failures that are worth one more attempt.
KERNEL_START_ERRORS = ("Kernel died before replying to kernel_info", "Kernel didn't respond")

_KERNEL_DIR: str | None = None
_MANAGERS: "weakref.WeakSet[IpcKernelManager]" = weakref.WeakSet()


def set_kernel_dir(path: str | None) -> None:
    """Create the connection files (and IPC sockets) of new kernels in ``path`` (``None``: the temp folder)."""
    global _KERNEL_DIR
    _KERNEL_DIR = path


class IpcKernelManager(AsyncKernelManager):
    """A kernel manager using IPC sockets named after a unique connection file."""

    def __init__(self, **kwargs):
        super().__init__(**{"transport": "ipc", **kwargs})
        # short names: unix socket paths are limited to ~107 bytes
        folder = _KERNEL_DIR or tempfile.gettempdir()
        self.connection_file = os.path.join(folder, f"qlk-{uuid.uuid4().hex[:16]}.json")
        _MANAGERS.add(self)


class WarmKernelManager(IpcKernelManager):
    """An IPC kernel manager whose kernel is forked by the worker's template (:mod:`qualitylib.batch.warm`).

    Falls back to an ordinary kernel by itself when the template is not running.
    """

    async def _async_pre_start_kernel(self, **kw):
        if self.provisioner is None:
            from .warm import WarmProvisioner

            self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
            self.provisioner = WarmProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
        return await super()._async_pre_start_kernel(**kw)


def kill_kernels() -> None:
    """Kill every kernel started by this process (and the kernel's own children) and remove its files."""
    for manager in list(_MANAGERS):
        process = getattr(getattr(manager, "provisioner", None), "process", None)
        if process is not None and process.poll() is None:
            try:
                if hasattr(os, "killpg"):
                    os.killpg(process.pid, signal.SIGKILL)  # kernels start a session of their own
                else:  # pragma: no cover - Windows
                    process.kill()
            except (ProcessLookupError, PermissionError):
                pass
        for cleanup in ("cleanup_ipc_files", "cleanup_connection_file"):
            try:
                getattr(manager, cleanup)()
            except Exception:  # pragma: no cover - best effort on the way out
                pass


def execution_options() -> dict:
    """Keyword arguments for :func:`papermill.execute_notebook` used by the batch runner."""
    from .warm import ensure_template

    return {
        "kernel_manager_class": WarmKernelManager if ensure_template() else IpcKernelManager,
        "shutdown_kernel": "immediate",
        "record_timing": False,
        "progress_bar": False,
        "log_output": False,
        "request_save_on_cell_execute": False,
        "start_timeout": 60,
    }


def is_start_failure(exc: BaseException) -> bool:
    """Whether an exception is a kernel start-up failure (retried), not a failing cell."""
    return isinstance(exc, RuntimeError) and str(exc).startswith(KERNEL_START_ERRORS)
