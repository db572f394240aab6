#!/usr/bin/env bash
# Until the first release, the schema is one migration (0001), regenerated from the models.
# After a release, add new revisions instead: `alembic revision --autogenerate`.
set -euo pipefail
cd "$(dirname "$0")/.."
versions=src/caravan/store/migrations/versions
tmp=$(mktemp -d)
rm -f "$versions/0001_initial_schema.py"
.venv/bin/python - "$tmp/gen.db" <<'PY'
import sys

from alembic import command

from caravan.store.db import alembic_config

command.revision(alembic_config(f"sqlite:///{sys.argv[1]}"), message="initial schema",
                 autogenerate=True, rev_id="0001")
PY
.venv/bin/python - "$versions/0001_initial_schema.py" <<'PY'
import sys

path = sys.argv[1]
text = open(path, encoding="utf-8").read()
text = text.replace(
    "from alembic import op\n",
    "from alembic import op\n\nfrom caravan.store.guards import create_audit_guards, drop_audit_guards\n",
    1,
)
text = text.replace(
    "    # ### end Alembic commands ###\n",
    "    # ### end Alembic commands ###\n    create_audit_guards(op.get_bind())\n",
    1,
)
text = text.replace(
    "def downgrade() -> None:\n", "def downgrade() -> None:\n    drop_audit_guards(op.get_bind())\n", 1
)
open(path, "w", encoding="utf-8").write(text)
PY
.venv/bin/ruff check --fix -q "$versions" || true
.venv/bin/ruff format -q "$versions"
rm -rf "$tmp"
