"""Safe folder names."""
import pytest

from qualitylib.batch.slug import slugify, unique_slugs


@pytest.mark.parametrize("name, expected", [
    ("Чаа-Хольский кожуун", "chaa-kholskiy-kozhuun"),
    ("Кавказский район", "kavkazskiy-rayon"),
    ("г. Алейск", "g-aleysk"),
    ("../x", "x"),
    ("/etc", "etc"),
    ("Ийме <script>", "iyme-script"),
])
def test_slugify(name, expected):
    assert slugify(name) == expected


@pytest.mark.parametrize("name", ["..", "/", "***", "", "../..", "\\"])
def test_names_without_letters_get_a_hash_and_never_escape(name):
    slug = slugify(name)
    assert slug.startswith("m-") and "/" not in slug and "." not in slug


def test_unique_slugs():
    assert unique_slugs(["Город", "город", "ГОРОД"]) == {"Город": "gorod", "город": "gorod-2", "ГОРОД": "gorod-3"}
