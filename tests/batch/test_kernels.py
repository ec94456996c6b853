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
