"""chatkit's engines against llama.cpp's own server on the same GGUF file.

    python bench/engines.py [--model smollm2-135m] [--llama-server PATH] [--clients 1 4 8 16 32] [--tokens 64] [--rounds 3]

Engines: chatkit's transformers engine (the GGUF dequantized, model.dtype auto), chatkit's llama.cpp engine (the GGUF
as shipped), and, with --llama-server, llama.cpp's server (``-np`` = model.max_batch slots); all with --threads. Measured:

- single stream: one greedy reply of --single-tokens tokens (end of text forbidden), tokens/s after the first token
  (the median of --repeat replies for the llama.cpp rows),
  in process for chatkit's engines (``Generator.generate``), over HTTP for llama-server; llama-cpp-python's own
  ``Llama`` (its high-level API) as reference rows when it is installed, without and with the chat adapter;
- time to first token at turns 1, 10 and 20 of one conversation (greedy 32-token replies; ``ChatBot.reply`` in process,
  llama-server with the whole history each turn and its prompt cache);
- aggregate tokens/s with N clients through ``chatkit serve`` (policies off) and llama-server, each request a new
  conversation answered with exactly --tokens tokens, over the OpenAI-compatible streaming API; without an adapter
  (chatkit: the base model's id) and with the chat adapter chatkit applies by default (llama-server: ``--lora``, its
  GGUF form as chatkit converts it), so each pair does the same work; every server is up at once and the rows take
  turns, --rounds times, each after as many uncounted requests as it has clients (the median is reported);
- agreement: greedy 16-token replies of the two chatkit engines to 20 prompts, how many are the same.

Prints a table, writes bench/results/engines.json and engines.png (tokens/s against clients).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import aiohttp
from http_api import NO_POLICIES, load, start_server

from chatkit import ChatBot, DecodingConfig, MemoryStore, Message, Role, Settings
from chatkit.build import build_generator
from chatkit.config import DEFAULT_SYSTEM_PROMPT, validate_settings
from chatkit.engine.llamacpp.lora import base_shape, gguf_lora
from chatkit.models.lora import shipped_adapters
from chatkit.models.resolve import resolve_gguf
from chatkit.testing import free_port, wait_until_serving

PROMPTS = ["hi, how are you today?", "what is your favourite book?", "tell me about the weather where you live.",
           "can you recommend a good movie?", "what do you like to cook?", "how do i learn to play the guitar?",
           "what is the capital of france?", "why is the sky blue?", "tell me a joke.", "what should i do this weekend?",
           "do you have any pets?", "what is the best way to learn a language?", "how does a car engine work?",
           "what music do you like?", "i feel tired today.", "what is your name?", "where should i travel next summer?",
           "how do plants grow?", "what is a good breakfast?", "can you help me write a poem about the sea?"]

CONFIG = """
[model]
path = "{model}"
engine = "{engine}"
max_batch = {batch}
threads = {threads}
[store]
backend = "memory"
[decoding]
preset = "greedy"
max_new_tokens = {tokens}
min_new_tokens = {tokens}
[serve]
port = {port}
rate_limit = 0
{policies}
"""


def threads_for(engine: str, threads: int) -> int:
    """Every engine gets --threads (torch's for transformers): on a shared CPU, spinning threads of one engine would
    otherwise measure the neighbours, not the engine."""
    return threads


def settings_for(model: str, engine: str, batch: int, threads: int, adapter: str = "chat") -> Settings:
    return validate_settings({"model": {"path": model, "engine": engine, "max_batch": batch, "threads": threads_for(engine, threads)},
                              "store": {"backend": "memory"}, "adapters": {"default": adapter},
                              "policies": {p: {"enabled": False} for p in ("hazard", "toxicity", "bias", "language", "pii",
                                                                            "context")}}, "bench")


async def single_stream(generator: Any, tokens: int, repeat: int) -> float:
    """The median of ``repeat`` runs: on a shared 2-core machine one run can be a tenth off either way."""
    messages = [Message(Role.SYSTEM, DEFAULT_SYSTEM_PROMPT), Message(Role.USER, PROMPTS[0])]
    d = DecodingConfig(temperature=0.0, max_new_tokens=tokens, min_new_tokens=tokens)
    await generator.generate(messages, d.with_overrides(max_new_tokens=8, min_new_tokens=8))  # warm up
    rates = []
    for _ in range(repeat):
        g = await generator.generate(messages, d)
        rates.append((g.completion_tokens - 1) / (g.generate_s - (g.first_token_s or 0.0)))
    return statistics.median(rates)


async def turn_ttft(generator: Any, turns: int) -> list[float]:
    bot = ChatBot(generator, settings=Settings(decoding={"preset": "greedy", "max_new_tokens": 32}), store=MemoryStore())
    out = []
    for t in range(turns):
        # from the second prompt on: the first is the single-stream run's, cached whole
        reply = await bot.reply("bench", PROMPTS[(t + 1) % len(PROMPTS)])
        out.append(1000 * (reply.timings.first_token_s or 0.0))
    await bot.store.close()
    return out


async def agreement(a: Any, b: Any) -> int:
    d = DecodingConfig(temperature=0.0, max_new_tokens=16)
    same = 0
    for p in PROMPTS:
        messages = [Message(Role.SYSTEM, DEFAULT_SYSTEM_PROMPT), Message(Role.USER, p)]
        same += (await a.generate(messages, d)).text == (await b.generate(messages, d)).text
    return same


def llama_cpp_python_reference(file: Path, tokens: int, threads: int, repeat: int, lora: Path | None = None) -> float | None:
    """``Llama``'s own single stream on ``file``, with the GGUF LoRA ``lora`` applied when given."""
    try:
        from llama_cpp import Llama
    except ImportError:
        return None
    llm = Llama(str(file), n_ctx=2048, n_threads=threads, verbose=False, lora_path=str(lora) if lora else None)
    messages = [{"role": "system", "content": DEFAULT_SYSTEM_PROMPT}, {"role": "user", "content": PROMPTS[0]}]
    llm.create_chat_completion(messages, max_tokens=8, temperature=0.0)
    rates = []
    for _ in range(repeat):
        t0, first, n = time.perf_counter(), None, 0
        for chunk in llm.create_chat_completion(messages, max_tokens=tokens, temperature=0.0, stream=True):
            if chunk["choices"][0]["delta"].get("content"):  # one chunk a token
                first, n = first or time.perf_counter(), n + 1
        rates.append((n - 1) / (time.perf_counter() - (first or t0)))
    llm.close()
    return statistics.median(rates)


def openai_client(session: aiohttp.ClientSession, url: str, tokens: int, extra: dict[str, Any]) -> Any:
    async def one(i: int, messages: list[dict[str, str]] | None = None) -> tuple[float, float]:
        body = {"model": "m", "stream": True, "temperature": 0.0, "max_tokens": tokens, **extra,
                "messages": messages or [{"role": "user", "content": f"hello, tell me about your day {i % 10}"}]}
        t0 = time.perf_counter()
        first = None
        async with session.post(f"{url}/v1/chat/completions", json=body) as r:
            r.raise_for_status()
            async for line in r.content:
                if first is None and line.startswith(b"data: {") and b'"content":"' in line:
                    first = time.perf_counter() - t0
        return first or 0.0, time.perf_counter() - t0

    return one


async def served_rates(rows: dict[str, tuple[str, dict[str, Any]]], clients: list[int], tokens: int, rounds: dict[str, int]
                       ) -> dict[str, dict[int, float]]:
    """Aggregate tokens/s of each row (a server's URL and its request fields) at each client count: the median of
    ``rounds[row]`` measurements, the rows taking turns within a round, so that a noisy neighbour slows them alike
    instead of whichever row it happens to meet."""
    samples: dict[str, dict[int, list[float]]] = {row: {c: [] for c in clients} for row in rows}
    # a new connection per request: llama-server closes a streamed response's connection, which a reused one trips on
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0, force_close=True),
                                     timeout=aiohttp.ClientTimeout(total=1200)) as session:
        ones = {row: openai_client(session, url, tokens, extra) for row, (url, extra) in rows.items()}
        for c in clients:
            for r in range(max(rounds.values())):
                for row, one in ones.items():
                    if r >= rounds[row]:
                        continue
                    # uncounted: one server runs two rows (the chat adapter and none), and a conversation reuses only
                    # keys and values computed with its own adapter, so a row's first requests would meet the other's
                    await load(c, c, one)
                    requests = max(8, 2 * c)
                    t0 = time.perf_counter()
                    await load(c, requests, one)
                    samples[row][c].append(requests * tokens / (time.perf_counter() - t0))
                    print(f"    {row}, {c} clients: {samples[row][c][-1]:.1f} tok/s", file=sys.stderr)
    return {row: {c: statistics.median(v) for c, v in per.items()} for row, per in samples.items()}


async def server_single_and_turns(url: str, tokens: int, turns: int, repeat: int) -> tuple[float, list[float]]:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True),
                                     timeout=aiohttp.ClientTimeout(total=600)) as session:
        single = openai_client(session, url, tokens, {"ignore_eos": True, "cache_prompt": True})
        system = {"role": "system", "content": DEFAULT_SYSTEM_PROMPT}
        await single(0, [system, {"role": "user", "content": PROMPTS[0]}])
        rates = []
        for _ in range(repeat):
            first, whole = await single(0, [system, {"role": "user", "content": PROMPTS[0]}])
            rates.append((tokens - 1) / (whole - first))
        rate = statistics.median(rates)
        history: list[dict[str, str]] = [system]
        ttft = []
        chat = openai_client(session, url, 32, {"cache_prompt": True})
        for t in range(turns):
            history.append({"role": "user", "content": PROMPTS[t % len(PROMPTS)]})
            first, _ = await chat(t, history)
            ttft.append(1000 * first)
            history.append({"role": "assistant", "content": "i see. tell me more about that, it sounds interesting to me."})
        return rate, ttft


def start_llama_server(binary: Path, file: Path, port: int, slots: int, threads: int, ctx: int, lora: Path | None = None
                       ) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([str(binary), "-m", str(file), "--port", str(port), "-np", str(slots), "-c", str(slots * ctx),
                             "-t", str(threads), "-tb", str(threads), "--jinja", *(["--lora", str(lora)] if lora else [])],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if wait_until_serving(f"http://127.0.0.1:{port}/health", proc, 120):
        return proc
    proc.kill()
    raise SystemExit("llama-server did not start; run it by hand to see why")


def llama_server_rows(args: argparse.Namespace, file: Path, lora: Path | None) -> dict[str, Any]:
    port = free_port()
    server = start_llama_server(args.llama_server, file, port, args.batch, args.threads, 2048, lora)
    try:
        rate, ttft = asyncio.run(server_single_and_turns(f"http://127.0.0.1:{port}", args.single_tokens, 20, args.repeat))
        return {"single_tok_s": rate, "ttft_ms": {1: ttft[0], 10: ttft[9], 20: ttft[19]}}
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(60)


def chatkit_server(model: str, engine: str, batch: int, threads: int, tokens: int, tmp: Path
                   ) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    config = tmp / f"{engine}.toml"
    config.write_text(CONFIG.format(model=model, engine=engine, batch=batch, threads=threads_for(engine, threads), tokens=tokens,
                                    port=port, policies=NO_POLICIES))
    return start_server(config, port), f"http://127.0.0.1:{port}"


def served(args: argparse.Namespace, file: Path, lora: Path | None) -> dict[str, dict[int, float]]:
    """Every server up at once (idle ones take no CPU), measured in turns: chatkit's two engines, the base model's id
    (no adapter) and "chat" (the default chat adapter), and llama-server without and with the same adapter."""
    servers: list[subprocess.Popen[bytes]] = []
    rows: dict[str, tuple[str, dict[str, Any]]] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for engine, plain in (("llamacpp", "llamacpp (no adapter)"), ("transformers", "transformers (no adapter)")):
                proc, url = chatkit_server(args.model, engine, args.batch, args.threads, args.tokens, Path(tmp))
                servers.append(proc)
                rows[plain] = (url, {"model": args.model})
                if lora:
                    rows[engine] = (url, {"model": "chat"})
            if args.llama_server:
                peers = [("llama-server", None)] + ([("llama-server (chat adapter)", lora)] if lora else [])
                for name, adapter in peers:
                    port = free_port()
                    servers.append(start_llama_server(args.llama_server, file, port, args.batch, args.threads, 2048, adapter))
                    rows[name] = (f"http://127.0.0.1:{port}", {"ignore_eos": True})
            # the transformers engine once: it is far from the others, and each of its runs takes minutes
            rounds = {row: 1 if row.startswith("transformers") else args.rounds for row in rows}
            return asyncio.run(served_rates(rows, args.clients, args.tokens, rounds))
    finally:
        for proc in servers:
            proc.send_signal(signal.SIGTERM)
        for proc in servers:
            proc.wait(60)


async def in_process(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    engines: dict[str, Any] = {}
    # llama.cpp first: the transformers engine runs torch on --threads, and once it has, llama.cpp in the same process
    # decodes slower for good (chatkit.engine.llamacpp.generator.single_threaded_torch)
    # the chat adapter (on by default) costs llama.cpp a fifth to a quarter of its speed: the file without it, as Llama runs it
    plain = build_generator(settings_for(args.model, "llamacpp", args.batch, args.threads, adapter="base"))
    out["llamacpp (no adapter)"] = {"single_tok_s": await single_stream(plain, args.single_tokens, args.repeat)}
    await plain.aclose()
    for name in ("llamacpp", "transformers"):
        g = engines[name] = build_generator(settings_for(args.model, name, args.batch, args.threads))
        out[name] = {"single_tok_s": await single_stream(g, args.single_tokens, args.repeat if name == "llamacpp" else 1)}
        ttft = await turn_ttft(g, 20)
        out[name]["ttft_ms"] = {1: ttft[0], 10: ttft[9], 20: ttft[19]}
        print(f"  {name}: {out[name]}", file=sys.stderr)
    out["agreement"] = {"same": await agreement(engines["transformers"], engines["llamacpp"]), "of": len(PROMPTS)}
    for g in engines.values():
        await g.aclose()
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="smollm2-135m")
    p.add_argument("--llama-server", type=Path, help="llama.cpp's llama-server binary; without it, its rows are left out")
    p.add_argument("--clients", type=int, nargs="+", default=[1, 4, 8, 16, 32])
    p.add_argument("--tokens", type=int, default=64, help="tokens per reply in the aggregate runs")
    p.add_argument("--single-tokens", type=int, default=128)
    p.add_argument("--repeat", type=int, default=5, help="single-stream runs of the llama.cpp rows; the median is reported")
    p.add_argument("--batch", type=int, default=8, help="model.max_batch, and llama-server's -np")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="threads of every llama.cpp engine")
    p.add_argument("--rounds", type=int, default=3, help="served runs of each llama.cpp row per client count, in turns; "
                   "the median is reported")
    p.add_argument("--skip-serve", action="store_true", help="only the in-process measurements")
    p.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = p.parse_args()

    file = resolve_gguf(args.model).file
    result: dict[str, Any] = {"model": args.model, "gguf": str(file), "tokens": args.tokens, "batch": args.batch,
                              "threads": args.threads, "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", ""),
                              "clients": args.clients, "cpu": platform.processor() or platform.machine(),
                              "cpus": os.cpu_count(), "load_during_run": os.getloadavg()}
    # in a process of its own: two threads that each run llama.cpp (or torch) on several threads slow both down for
    # good (chatkit.engine.llamacpp.generator.single_threaded_torch)
    # and with the chat adapter that chatkit applies by default, converted as chatkit's engine converts it: the same work
    chat = shipped_adapters().get("chat")
    lora = gguf_lora("chat", chat, base_shape(file)) if chat else None
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        reference = pool.submit(llama_cpp_python_reference, file, args.single_tokens, args.threads, args.repeat).result()
        with_lora = pool.submit(llama_cpp_python_reference, file, args.single_tokens, args.threads, args.repeat,
                                lora).result() if lora else None
    result["engines"] = asyncio.run(in_process(args))
    result["engines"]["llama-cpp-python"] = {"single_tok_s": reference}
    if with_lora:
        result["engines"]["llama-cpp-python (chat adapter)"] = {"single_tok_s": with_lora}
    if args.llama_server:
        # without an adapter, as llama.cpp is usually run, and with the chat adapter chatkit applies by default: the same work
        result["engines"]["llama-server"] = llama_server_rows(args, file, None)
        if lora:
            result["engines"]["llama-server (chat adapter)"] = llama_server_rows(args, file, lora)
    if not args.skip_serve:
        for row, rates in served(args, file, lora).items():
            result["engines"].setdefault(row, {})["aggregate_tok_s"] = rates
    result["load_after_run"] = os.getloadavg()
    report(result, args.out)


def report(result: dict[str, Any], out: Path) -> None:
    engines = result["engines"]
    print(f"\nengines on {result['model']} ({result['gguf']}), {result['cpus']} CPUs, load before/after "
          f"{result['load_during_run'][0]:.1f}/{result['load_after_run'][0]:.1f}")
    print(f"{'engine':>31} | {'single tok/s':>12} | {'TTFT ms t1/t10/t20':>20} | " +
          " | ".join(f"{c:>3} cl tok/s" for c in result["clients"]))
    for name, e in engines.items():
        if name == "agreement":
            continue
        single = f"{e['single_tok_s']:.1f}" if e.get("single_tok_s") else "-"
        ttft = "/".join(f"{e['ttft_ms'][k]:.0f}" for k in (1, 10, 20)) if "ttft_ms" in e else "-"
        agg = e.get("aggregate_tok_s", {})
        print(f"{name:>31} | {single:>12} | {ttft:>20} | " +
              " | ".join(f"{agg[c]:>10.1f}" if c in agg else f"{'-':>10}" for c in result["clients"]))
    print(f"greedy 16-token replies the same on both chatkit engines: {engines['agreement']['same']} of {len(PROMPTS)}")
    out.mkdir(parents=True, exist_ok=True)
    (out / "engines.json").write_text(json.dumps(result, indent=2) + "\n")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for name, e in engines.items():
        if e.get("aggregate_tok_s"):
            points = sorted((int(c), v) for c, v in e["aggregate_tok_s"].items())
            ax.plot([c for c, _ in points], [v for _, v in points], marker="o", label=name)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("concurrent clients")
    ax.set_ylabel("tokens/s (all clients)")
    ax.set_title(f"{result['model']}: aggregate decode throughput")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "engines.png", dpi=120)
    print(f"wrote {out / 'engines.json'} and {out / 'engines.png'}")


if __name__ == "__main__":
    main()
