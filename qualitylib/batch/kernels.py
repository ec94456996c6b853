"""Kernel start-up for parallel batch runs.

Measured on the 2-core machines (see ``benchmarks/README.md``): TCP kernels started by
two processes at once pick overlapping ports about 0.2 % of the time (the kernel then dies
before replying); ``transport="ipc"`` alone makes every kernel share ``./kernel-ipc-*``
sockets and fails with "Kernel didn't respond in 60 seconds". An IPC kernel with a unique
connection file (the socket paths derive from it) removes both races, and an immediate
shutdown removes the 2.6-4 s shutdown stalls.
"""
from __future__ import annotations

import os
import tempfile
import uuid

from jupyter_client import AsyncKernelManager

#: Messages of kernel start-up failures that are worth one more attempt.
KERNEL_START_ERRORS = ("Kernel died before replying to kernel_info", "Kernel didn't respond")


class IpcKernelManager(AsyncKernelManager):
    """A kernel manager using IPC sockets named after a unique connection file."""

    def __init__(self, **kwargs):
        super().__init__(**{"transport": "ipc", **kwargs})
        # short directory: unix socket paths are limited to ~107 bytes
        self.connection_file = os.path.join(tempfile.gettempdir(), f"qlk-{uuid.uuid4().hex}.json")


def execution_options() -> dict:
    """Keyword arguments for :func:`papermill.execute_notebook` used by the batch runner."""
    return {
        "kernel_manager_class": IpcKernelManager,
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
