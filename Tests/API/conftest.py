"""A real Tide for the REST API tests (see Tests/support/standalone.py) and the DAGs they use."""

import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "support"))

from standalone import DATABASE, PASSWORDS, REDIS, TIDE, Tide, free_port, hash_password  # noqa: E402,F401
from standalone import started_tide as start_standalone  # noqa: E402

DAGS = {
    "api_chain.yaml": """
dag_id: api_chain
description: Three steps in a row
tags: [api, chain]
tasks:
  - task_id: extract
    do_xcom_push: true
    bash: echo "extracted 3 rows"
  - task_id: transform
    upstream: [extract]
    bash: |
      for i in 1 2 3 4 5; do echo "transform line $i"; done
  - task_id: load
    upstream: [transform]
    bash: echo "loaded"
""",
    "api_search.yaml": """
dag_id: api_ledger
description: Nightly revenue rollup for the finance team
tags: [finance, nightly]
tasks:
  - task_id: only
    bash: echo ok
""",
    "api_fail.yaml": """
dag_id: api_fail
description: A step that fails, and one that waits on it
tags: [api]
tasks:
  - task_id: breaks
    bash: |
      echo "about to fail"
      exit 3
  - task_id: after
    upstream: [breaks]
    bash: echo "never runs"
""",
    "api_slow.yaml": """
dag_id: api_slow
description: Prints a line every 0.3 s for about 5 s
tags: [api]
tasks:
  - task_id: ticker
    bash: |
      for i in $(seq 1 16); do echo "tick $i"; sleep 0.3; done
""",
    "api_pool.yaml": """
dag_id: api_pool
description: Needs a slot of a pool that has none
tags: [api]
tasks:
  - task_id: starved
    pool: zero_pool
    bash: echo "got a slot"
""",
    "api_assets.yaml": """
dag_id: api_asset_producer
description: Updates a dataset
tags: [api]
tasks:
  - task_id: publish
    outlets: ['s3://api/sales']
    bash: echo published
""",
    "api_asset_consumer.yaml": """
dag_id: api_asset_consumer
description: Runs when its dataset was updated
tags: [api]
schedule: {datasets: ['s3://api/sales']}
tasks:
  - task_id: report
    bash: echo reported
""",
    "api_mapped.yaml": """
dag_id: api_mapped
description: Loads each file a listing returns, as mapped task instances
tags: [api]
tasks:
  - task_id: list_files
    bash: echo '["a.csv", "b.csv", "c.csv"]' > "$TIDE_XCOM_DIR/return_value.json"
  - task_id: load
    expand:
      file: {from: list_files}
    bash: |
      echo "loading {{ expanded.file }}"
      echo '"{{ expanded.file }} loaded"' > "$TIDE_XCOM_DIR/return_value.json"
  - task_id: report
    upstream: [load]
    bash: echo 'loaded {{ ti.xcom_pull(task_ids="load") }}'
""",
    "broken.yaml": """
dag_id: api_broken
tasks:
  - task_id: a
    upstream: [missing_task]
    bash: echo a
""",
}



def started_tide():
    """The REST API tests' Tide: the DAGs above, in a schema of its own."""
    yield from start_standalone(DAGS, "api", expected_dags=5)


@pytest.fixture(scope="session")
def tide():
    yield from started_tide()
