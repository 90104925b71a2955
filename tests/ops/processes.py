"""HTTP reads of a running instance's health server (the processes themselves are bench/faults_bot.py's)."""

from __future__ import annotations

import aiohttp


async def get(port: int, path: str) -> tuple[int, str]:
    limit = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(timeout=limit) as http, http.get(f"http://127.0.0.1:{port}{path}") as answer:
        return answer.status, await answer.text()
