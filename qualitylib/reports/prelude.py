"""What the reports of every municipality of a region share, computed once per batch worker.

Each notebook runs in its own kernel, and each kernel would otherwise read the region again and
take the region-wide results (the region's ШНОР, the social context, the leader pairs, the
objectivity signs, the task analysis) from the cache: unpickling and checking tens of megabytes per
notebook. A batch worker's kernel template (:mod:`qualitylib.batch.warm`) calls :func:`prepare`
once for the region and year of its jobs, with :func:`qualitylib.data.cache.keep_prepared` on;
the kernels forked from it then find these values in their memory
(:func:`qualitylib.data.cache.prepared`) and compute only their own municipality.

Nothing here draws or writes a report; the functions called are those the reports call, so the
keys under which the values are kept are the keys the kernels ask for.
"""
from __future__ import annotations

from pathlib import Path

from ..data.catalogue import region_catalogue
from ..data.municipality import municipality_params
from ..data.pupils import release_pupils
from ..data.region import load_region
from .identification import region_identification, region_objectivity
from .tasks import region_analysis, region_pupil_counts, region_school_skills, region_skill_reference


def prepare(data_dir: str | Path, year: int, municipality: str | None, params_file: str | None,
            programme: str | None = None) -> None:
    """Read the region of ``data_dir`` and compute its region-wide results for ``year``.

    The parameters are those of ``municipality`` (``params_file``, ``programme``), as its
    notebooks resolve them; municipalities whose parameters differ in the sections these results
    depend on compute their own. Raises what reading the region or the parameters raises: the
    caller (the template) ignores it, and the notebook reports the same error itself.
    """
    region = load_region(data_dir)
    params = municipality_params(municipality, params_file, schools=region.schools, programme=programme,
                                 known=region.municipalities)
    year = int(year)
    region_identification(region, year, params)
    region_objectivity(region, year)
    catalogue = region_catalogue(region.path)
    analysis, _ = region_analysis(region, year, params, catalogue)
    region_school_skills(region, year, params, catalogue, analysis)
    region_skill_reference(region, year, params, catalogue, analysis)
    region_pupil_counts(region, year, params)
    release_pupils()
