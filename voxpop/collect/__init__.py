"""Live collection from open sources, resumable and polite: `voxpop collect`.

Collectors (feeds, Bluesky Jetstream, Mastodon, YouTube, Reddit) run as asyncio tasks and store
through the store's idempotent upsert, each batch with its source's cursor in one transaction.
`collect(writer, config, stop=...)` runs them inside an event loop, writing only through the
given `Writer` (the database's one writer thread, which `voxpop serve` shares);
`run_collectors(store, config)` is the blocking form the command uses. `collect_status` reports
per source what was collected, the lag and the last error; `intake_app` receives data pushed by
other tools. See docs/collect.md.
"""

from voxpop.collect.config import CollectConfig, load_config
from voxpop.collect.intake import intake_app
from voxpop.collect.runner import collect, run_collectors
from voxpop.collect.state import SourceStatus, collect_status
from voxpop.collect.writer import Writer

__all__ = [
    "CollectConfig",
    "SourceStatus",
    "Writer",
    "collect",
    "collect_status",
    "intake_app",
    "load_config",
    "run_collectors",
]
