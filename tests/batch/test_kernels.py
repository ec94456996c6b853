"""Kernel start-up (:mod:`qualitylib.batch.kernels`): the client is ready when the kernel has answered."""
from __future__ import annotations

import asyncio

import pytest

from qualitylib.batch import kernels


def test_the_managers_give_the_ready_client():
    for manager in (kernels.IpcKernelManager(), kernels.WarmKernelManager()):
        client = manager.client()
        assert isinstance(client, kernels.ReadyClient)
        assert type(client).wait_for_ready is kernels.ReadyClient._async_wait_for_ready


def test_the_client_retries_a_kernel_still_starting_after_5_ms():
    """ZeroMQ's default is 100 ms: the sockets of the client retry at once, backing off to 100 ms."""
    import zmq

    client = kernels.IpcKernelManager().client()
    socket = client.context.socket(zmq.DEALER)
    try:
        assert socket.getsockopt(zmq.RECONNECT_IVL) == 5
        assert socket.getsockopt(zmq.RECONNECT_IVL_MAX) == 100
    finally:
        socket.close(0)
        client.context.term()


def test_the_manager_looks_every_5_ms_whether_its_kernel_has_ended(monkeypatch):
    """jupyter_client sleeps 0.1 s between looks; a killed kernel is gone in milliseconds."""
    import jupyter_client.manager

    manager = kernels.IpcKernelManager()
    alive = iter([True, True, False])
    slept: list[float] = []

    async def is_alive():
        return next(alive)

    async def sleep(seconds):
        slept.append(seconds)

    monkeypatch.setattr(manager, "_async_is_alive", is_alive)
    monkeypatch.setattr(jupyter_client.manager.asyncio, "sleep", sleep)
    asyncio.run(manager._async_wait())
    assert slept == [0.005, 0.005]


@pytest.mark.e2e
def test_a_ready_kernel_executes_and_a_dead_one_is_reported(tmp_path):
    kernels.set_kernel_dir(str(tmp_path))

    async def run():
        manager = kernels.IpcKernelManager(kernel_name="python3")
        await manager.start_kernel()
        client = manager.client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=60)
            reply = await client._async_execute_interactive("print(6 * 7)", output_hook=outputs.append, timeout=60)
            await manager.shutdown_kernel(now=True)
            with pytest.raises(RuntimeError, match=kernels.KERNEL_START_ERRORS[0]):
                await client.wait_for_ready(timeout=60)
            return reply
        finally:
            client.stop_channels()

    outputs: list[dict] = []
    try:
        reply = asyncio.run(run())
    finally:
        kernels.set_kernel_dir(None)
    assert reply["content"]["status"] == "ok"
    assert [o["content"]["text"] for o in outputs if o["msg_type"] == "stream"] == ["42\n"]
