#!/usr/bin/env bash
# Build a wheel from the checkout, install it (not editable) into a fresh virtual environment and
# run the three commands of the README from an empty folder outside the checkout:
# sample, validate and a full batch run. Fails if any report or Excel file is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3.11}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
"$PYTHON" -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install --quiet --upgrade pip
"$WORK/venv/bin/python" -m pip wheel --quiet --no-deps --wheel-dir "$WORK/dist" .
rm -rf build
"$WORK/venv/bin/python" -m pip install --quiet "$WORK"/dist/qualitylib-*.whl
"$WORK/venv/bin/python" -m ipykernel install --sys-prefix --name python3 >/dev/null
mkdir "$WORK/empty"
cd "$WORK/empty"
export QUALITYLIB_CACHE="$WORK/cache"
BIN="$WORK/venv/bin"
"$BIN/qualitylib" sample region --seed 2026
"$BIN/qualitylib" validate region
"$BIN/qualitylib" run --data region --year 2026 --out out --quiet
base="out/sinteticheskiy-region-obrazets/2026"
missing=0
for f in index.html registry.xlsx manifest.json changes.html changes.xlsx _region/00_region.html _region/region.xlsx; do
  [ -s "$base/$f" ] || { echo "нет файла $base/$f"; missing=1; }
done
count=0
for m in "$base"/*/; do
  [ "$(basename "$m")" = "_region" ] && continue
  for f in 01_identification.html 02_dynamics.html 03_monitoring.html 04_tasks.html registry.xlsx indicators.xlsx tasks.xlsx; do
    [ -s "$m$f" ] || { echo "нет файла $m$f"; missing=1; }
  done
  count=$((count + 1))
done
[ "$count" -eq 6 ] || { echo "ожидалось 6 муниципалитетов, есть $count"; missing=1; }
# the installed package found its defaults inside itself, not in the checkout
"$BIN/python" -c "import qualitylib.resources as r, sys; p = str(r.params_dir()); sys.exit(0 if 'site-packages' in p else 'параметры не из пакета: ' + p)"
[ "$missing" -eq 0 ] && echo "Колесо: установка и прогон из пустой папки — успешно ($count муниципалитетов)."
exit "$missing"
