from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SEED = FIXTURES / "seed" / "000_3a7ed7c9ae9b3af5.txt"


@pytest.fixture
def seed_path() -> Path:
    return SEED
