"""Kernel start-up for parallel batch runs.

Measured on the 2-core machines (see ``benchmarks/README.md``): TCP kernels started by
two processes at once pick overlapping ports about 0.2 % of the time (the kernel then dies
before replying); ``transport="ipc"`` alone makes every kernel share ``./kernel-ipc-*``
sockets and fails with "Kernel didn't respond in 60 seconds". An IPC kernel with a unique
connection file (the socket paths derive from it) removes both races, and an immediate
shutdown removes the 2.6-4 s shutdown stalls. Two fixed waits of jupyter_client and ZeroMQ,
a tenth of a second each, are shortened: the client's retry to connect to a kernel still
starting (:meth:`ReadyClient._context_default`) and the manager's look whether a killed kernel
has ended (:meth:`IpcKernelManager._async_wait`); a forked kernel then starts and ends in
about 60 ms instead of 270 ms (2 December, Алейский район).

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

from queue import Empty

from jupyter_client import AsyncKernelManager
from jupyter_client.asynchronous import AsyncKernelClient
from traitlets import DottedObjectName, Type

#: Messages of kernel start-up failures that are worth one more attempt.
KERNEL_START_ERRORS = ("Kernel died before replying to kernel_info", "Kernel didn't respond")

#: A client's retry of its connection to a kernel that has not bound its sockets yet, first and
#: longest (milliseconds): :meth:`ReadyClient._context_default`.
RECONNECT_MS = (5, 100)

#: How often a manager looks whether its kernel has ended (seconds): :meth:`IpcKernelManager._async_wait`.
EXIT_POLL_S = 0.005

_KERNEL_DIR: str | None = None
_MANAGERS: "weakref.WeakSet[IpcKernelManager]" = weakref.WeakSet()


def set_kernel_dir(path: str | None) -> None:
    """Create the connection files (and IPC sockets) of new kernels in ``path`` (``None``: the temp folder)."""
    global _KERNEL_DIR
    _KERNEL_DIR = path


class ReadyClient(AsyncKernelClient):
    """A kernel client that is ready as soon as the kernel has answered, without a fixed wait.

    jupyter_client's ``wait_for_ready`` ends by reading IOPub until it has been silent for 0.2 s:
    a fifth of a second added to every notebook of a batch run. Here the kernel is ready once it
    has replied to ``kernel_info`` on the shell channel and IOPub has delivered a message (so it is
    connected); what IOPub holds then is dropped without waiting. Nothing is lost: the executing
    client reads only the messages of its own requests.
    """

    async def _async_wait_for_ready(self, timeout: float | None = None) -> None:
        import time

        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            self.kernel_info()
            try:
                reply = await self._async_get_shell_msg(timeout=1)
            except Empty:
                reply = None
            if reply is not None and reply["msg_type"] == "kernel_info_reply":
                try:
                    await self._async_get_iopub_msg(timeout=0.5)  # IOPub connected: it has the status
                except Empty:
                    pass
                else:
                    self._handle_kernel_info_reply(reply)
                    break
            if not await self._async_is_alive():
                raise RuntimeError(KERNEL_START_ERRORS[0])
            if deadline is not None and time.monotonic() > deadline:
                raise RuntimeError(f"{KERNEL_START_ERRORS[1]} in {timeout:g} seconds")
        while True:  # the rest of the start-up's status messages, without waiting for more
            try:
                await self._async_get_iopub_msg(timeout=0)
            except Empty:
                break

    wait_for_ready = _async_wait_for_ready  # AsyncKernelClient binds the name to jupyter_client's function

    def _context_default(self):
        """The client's ZeroMQ context, whose sockets retry a connection after 5 ms, not 100 ms.

        The client connects as soon as the kernel process exists, before the kernel has bound
        its sockets; ZeroMQ then tries again after ``RECONNECT_IVL``, 100 ms by default: a tenth
        of a second of nothing at every notebook's start. Retries back off to 100 ms
        (``RECONNECT_IVL_MAX``), so a kernel slow to start is not asked a thousand times a second.
        """
        import zmq

        context = super()._context_default()
        context.setsockopt(zmq.RECONNECT_IVL, RECONNECT_MS[0])
        context.setsockopt(zmq.RECONNECT_IVL_MAX, RECONNECT_MS[1])
        return context


class IpcKernelManager(AsyncKernelManager):
    """A kernel manager using IPC sockets named after a unique connection file."""

    client_class = DottedObjectName("qualitylib.batch.kernels.ReadyClient")
    client_factory = Type(klass=AsyncKernelClient, default_value=ReadyClient)

    def __init__(self, **kwargs):
        super().__init__(**{"transport": "ipc", **kwargs})
        # short names: unix socket paths are limited to ~107 bytes; the pid of the process that
        # runs the notebook names its kernels' sockets (a warm kernel is the template's child)
        folder = _KERNEL_DIR or tempfile.gettempdir()
        self.connection_file = os.path.join(folder, f"qlk-{os.getpid()}-{uuid.uuid4().hex[:12]}.json")
        _MANAGERS.add(self)

    async def _async_wait(self, pollinterval: float = 0.1) -> None:
        """Wait for the kernel to end, looking every 5 ms (jupyter_client looks every 0.1 s).

        A killed kernel is gone within a few milliseconds; at every notebook's end the batch kills
        its kernel and waited here a tenth of a second more. The wait still has the callers' timeout.
        """
        await super()._async_wait(pollinterval=min(pollinterval, EXIT_POLL_S))


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
