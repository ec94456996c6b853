# Единая точка входа. На новой машине нужен только Python 3.11.
PYTHON ?= python3.11
VENV   ?= .venv
PY      = $(VENV)/bin/python
YEAR   ?= 2026
DATA   ?= data/sample
OUT    ?= outputs
# JupyterLab refuses to run as root without --allow-root: pass it only when we are root
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

REAL   ?= ../shared/real/altai-vpr
REAL_OUT ?= data/real/altai

.PHONY: all setup run test test-fast wheel-check lab sample validate real clean

all: run

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (qualitylib)" >/dev/null
	touch $@

setup: $(VENV)/.installed

## Главная задача: проверка данных и полный пакетный прогон по региону-образцу
run: setup
	$(PY) -m qualitylib validate $(DATA)
	$(PY) -m qualitylib run --data $(DATA) --year $(YEAR) --out $(OUT)

## Тесты: контракт архитектуры (этажи пакета), затем все тесты; быстрый цикл — make test-fast
test: setup
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest

test-fast: setup
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest -m "not e2e"

## Колесо: собрать, установить в чистое окружение и выпустить отчёты из пустой папки
wheel-check:
	bash tools/check_wheel.sh

lab: setup
	QUALITYLIB_EXPORT=$(CURDIR)/notebooks/exports $(VENV)/bin/jupyter lab --notebook-dir=notebooks $(ROOT_FLAG)

sample: setup
	$(PY) -m qualitylib sample $(DATA) --seed 2026

validate: setup
	$(PY) -m qualitylib validate $(DATA)

## Реальные данные: импорт выгрузки ФИС ОКО (ВПР Алтайского края) и полный прогон за 2021 год
real: setup
	$(PY) -m qualitylib import-fisoko $(REAL) --out $(REAL_OUT)
	$(PY) -m qualitylib objectivity --data $(REAL_OUT) --year 2021 --out $(REAL_OUT)/objectivity-2021.csv
	$(PY) -m qualitylib run --data $(REAL_OUT) --year 2021 --out $(OUT)

clean:
	rm -rf $(OUT)/*/ $(VENV)
