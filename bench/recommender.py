#!/usr/bin/env python
"""Recommender benchmark on PostgreSQL; every figure is a ratio to a baseline measured in the same run.

1. Plan endpoint (GET /api/v1/me/plan, warm) for one learner over a 1,000-course catalog, against a
   trivial authenticated endpoint (GET /api/v1/orgs/ for a learner: one tiny query).  Target <= 2x.
   Regenerating (POST) is reported beside it; and again over the 10,000-course catalog (step 6):
   recompute <= 5x, stored-plan GET <= 2x.
2. Re-planning N learners (default 10,000) in batches of 100 with the task body in-process:
   learners per second, and the share of time spent outside the plan builder's own scoring loop.
3. Embedding (vectors computed and stored) and tagging a 1,000-course catalog (the product's path: calibrated
   probabilities, thresholded tags and their evidence sentences) against a bare `model.encode` of the same
   texts with the configured (default: multilingual) model.  Target <= 1.3x.  Repeated with the vectors stored.
   `--tagging-only` runs just this part (and the memory of a worker with the model and tagger loaded).
4. Resident memory of a process holding the model and the index of a 10,000-course catalog.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/recommender.py
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
BENCH_DB = os.environ.get("BENCH_RECOMMENDER_DB", "dxp_bench_recommender")  # another name when benches run side by side


def say(message: str) -> None:
    print(message, flush=True)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def embed_and_tag_figures(version: Any, repeat: int) -> dict[str, Any]:
    """Seconds of a bare `model.encode` of the texts the product encodes, and of embedding (stored) + tagging
    (calibrated tags with evidence, `planning.infer`) the published catalog, from scratch and again."""
    import catalog as catalog_bench

    from courses.models import Course
    from recommender.core.tagging import dense_english_only
    from recommender.engine import course_vectors_sync, dense_encoder, taggers
    from recommender.inputs import course_text
    from recommender.learning import tagging_layer
    from recommender.models import EmbeddingVector
    from recommender.planning import infer

    encoder = dense_encoder()
    assert encoder is not None
    catalog = list(Course.objects.filter(status="published").order_by("pk"))
    texts = [course_text(c) for c in catalog]
    english_only = dense_english_only(encoder)
    encoded = [encoder.query_prefix + t.dense_text(english_only) for t in texts if t.readable(english_only)]
    taggers(version=version)
    tagging_layer(version=version)  # the layer is fitted once per state of the labels, not per tagging run
    encoder.encode_passages(encoded[:32])  # warm the model
    bare_s = catalog_bench.median_seconds(lambda: encoder.model.encode(encoded, batch_size=encoder.batch_size), repeat)

    def embed_and_tag() -> None:
        index = course_vectors_sync(courses=catalog)
        vectors = index.vectors_for([c.pk for c in catalog], index.matrix.shape[1])
        infer(version=version, texts=texts, query_vectors=vectors)

    def cold() -> None:
        EmbeddingVector.objects.filter(kind="course").delete()
        encoder._cache.clear()  # the in-process cache of recent vectors would make "from scratch" a lookup
        embed_and_tag()

    cold_s = catalog_bench.median_seconds(cold, repeat)
    warm_s = catalog_bench.median_seconds(embed_and_tag, repeat)
    return {"texts": len(encoded), "bare_s": bare_s, "cold_s": cold_s, "warm_s": warm_s, "model": encoder.name}


def tagging_only(args: argparse.Namespace, *, version: Any, rss_start: float) -> None:
    figures = embed_and_tag_figures(version, args.repeat)
    rss = rss_mb()
    rows = [
        f"Tagging benchmark, {os.cpu_count()} CPUs, model {figures['model']}",
        f"{'bare model.encode of the ' + format(figures['texts'], ',') + ' course texts (baseline)':<58}"
        f"{figures['bare_s']:>12.2f} s{1:>8.1f}x",
        f"{'embedding (stored) + tagging 1,000 courses, from scratch':<58}{figures['cold_s']:>12.2f} s"
        f"{figures['cold_s'] / figures['bare_s']:>8.2f}x  <= 1.3x",
        f"{'  again with the vectors stored (nothing changed)':<58}{figures['warm_s']:>12.2f} s"
        f"{figures['warm_s'] / figures['bare_s']:>8.2f}x",
        f"{'resident memory: worker with the model and the tagger loaded':<58}{rss:>11.0f} MB"
        f"   (process start {rss_start:.0f} MB)",
    ]
    print("\n".join(rows))
    if args.json:
        figures |= {"embed_cold_ratio": figures["cold_s"] / figures["bare_s"], "rss_mb": rss}
        args.json.write_text(json.dumps(figures, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument(
        "--recompute-requests", type=int, default=40, help="plan recomputes over the 10,000-course catalog"
    )
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures here (bench/run_all.py)")
    parser.add_argument("--tagging-only", action="store_true", help="only the embedding + tagging figure and memory")
    parser.add_argument("--repeat", type=int, default=3, help="timings of the tagging figure (median)")
    parser.add_argument("--database", default=BENCH_DB, help=f"scratch database to (re)create (default {BENCH_DB})")
    args = parser.parse_args()

    import catalog as catalog_bench

    admin_url = catalog_bench.start_scratch_database(args.database, "[1/6]")
    rss_start = rss_mb()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from courses.services import catalog_import, providers_load
    from recommender import tasks
    from recommender.core import plan as plan_module
    from recommender.engine import (
        course_options,
        dense_encoder,
        taggers,
    )
    from recommender.models import LearnerPlan
    from skills.selectors import standard_version_get

    try:
        say("[2/6] standard and a 1,000-course catalog (the sample, varied)")
        call_command("migrate", verbosity=0)
        call_command("load_dss", stdout=io.StringIO())
        providers_load(records=json.loads((ROOT / "fixtures" / "sample_providers.json").read_text("utf-8")))
        sample = json.loads((ROOT / "fixtures" / "sample_catalog.json").read_text("utf-8"))
        courses_1k = catalog_bench.derive_courses(sample, 1000)
        if args.tagging_only:  # the import's own tag inference would embed the catalog before the measurement
            import recommender.receivers as recommender_receivers

            recommender_receivers._enqueue_tag_inference = lambda course_ids: None
            recommender_receivers._enqueue_stale_plans = lambda: None
        catalog_import(data=json.dumps(courses_1k, ensure_ascii=False).encode(), filename="bench.json")
        if args.tagging_only:
            tagging_only(args, version=standard_version_get(), rss_start=rss_start)
            return
        version = standard_version_get()
        roles = list(version.roles.all())
        items = list(version.skill_items.all())

        say(f"[3/6] {args.learners:,} learners with target roles and self-assessments")
        profiles, _levels = catalog_bench.create_learners(args.learners, roles, items)
        users = [p.user for p in profiles]

        say(f"[4/6] plan endpoint vs a trivial authenticated endpoint, {args.requests} requests each")
        client = Client()
        client.force_login(users[0])
        client.get("/api/v1/me/plan")  # computes and stores the plan, fills the caches
        for _ in range(10):
            client.get("/api/v1/orgs/")
            client.get("/api/v1/me/plan")
        base_t: list[float] = []
        plan_t: list[float] = []
        regen_t: list[float] = []
        for i in range(args.requests):
            for bucket, method, path in (
                (base_t, "get", "/api/v1/orgs/"),
                (plan_t, "get", "/api/v1/me/plan"),
            ):
                start = time.perf_counter()
                response = getattr(client, method)(path)
                bucket.append(time.perf_counter() - start)
                assert response.status_code == 200, response.content[:200]
            if i % 10 == 0:
                start = time.perf_counter()
                response = client.post("/api/v1/me/plan", {}, content_type="application/json")
                regen_t.append(time.perf_counter() - start)
                assert response.status_code == 200

        say(f"[5/6] re-planning {args.learners:,} learners in batches of 100 (task body in-process)")
        builder_seconds = 0.0
        original = plan_module.PlanBuilder.build

        def timed_build(self: Any, **kw: Any) -> Any:
            nonlocal builder_seconds
            start = time.perf_counter()
            try:
                return original(self, **kw)
            finally:
                builder_seconds += time.perf_counter() - start

        plan_module.PlanBuilder.build = timed_build  # type: ignore[method-assign]
        ids = [p.pk for p in profiles]
        start = time.perf_counter()
        for n in range(0, len(ids), 100):
            tasks.learners_replan_task(learner_ids=ids[n : n + 100])
            if (n // 100) % 20 == 19:
                say(f"      {n + 100:,} learners planned")
        replan_s = time.perf_counter() - start
        plan_module.PlanBuilder.build = original  # type: ignore[method-assign]
        assert LearnerPlan.objects.count() == len(ids)

        say("[6/6] tagging 1,000 courses vs a bare model.encode; memory with a 10,000-course index")
        tagging = embed_and_tag_figures(version, args.repeat)
        encoder = dense_encoder()
        assert encoder is not None
        bare_s, cold_s, warm_s = tagging["bare_s"], tagging["cold_s"], tagging["warm_s"]
        english = range(tagging["texts"])
        courses_10k = catalog_bench.derive_courses(sample, 10_000)
        # The 10,000-course import here only feeds the memory figure: its tag inference and re-planning (a worker's
        # job after every import) is switched off so it does not dominate the run.
        import recommender.receivers as recommender_receivers

        recommender_receivers._enqueue_tag_inference = lambda course_ids: None
        recommender_receivers._enqueue_stale_plans = lambda: None
        catalog_import(data=json.dumps(courses_10k, ensure_ascii=False).encode(), filename="bench10k.json")
        index = course_options(version=version)
        taggers(version=version)  # rebuilt for the new catalog state
        rss = rss_mb()
        # Recomputing a plan over the 10,000-course catalog (POST), and the stored plan (GET), against the trivial
        # endpoint, interleaved so that all three see the same machine load.
        say(f"      plan recompute and stored-plan GET over {len(index):,} courses, {args.recompute_requests} each")
        client.post("/api/v1/me/plan", {}, content_type="application/json")  # the catalog index for the new state
        base10_t: list[float] = []
        regen10_t: list[float] = []
        get10_t: list[float] = []
        for _ in range(args.recompute_requests):
            for bucket, method, path in (
                (base10_t, "get", "/api/v1/orgs/"),
                (regen10_t, "post", "/api/v1/me/plan"),
                (get10_t, "get", "/api/v1/me/plan"),
            ):
                start = time.perf_counter()
                response = (
                    client.post(path, {}, content_type="application/json") if method == "post" else client.get(path)
                )
                bucket.append(time.perf_counter() - start)
                assert response.status_code == 200, response.content[:200]
        base10_med = statistics.median(base10_t)

        print()
        pg = connection.pg_version // 10000  # type: ignore[attr-defined]
        base_med = statistics.median(base_t)
        base_p95 = statistics.quantiles(base_t, n=20)[-1]
        plan_p95 = statistics.quantiles(plan_t, n=20)[-1]
        rows = [
            f"Recommender benchmark, PostgreSQL {pg}, {os.cpu_count()} CPUs, model {encoder.name}",
            f"{'figure':<58}{'value':>14}{'ratio':>9}  target",
            f"{'trivial authenticated endpoint GET /api/v1/orgs/, median':<58}{base_med * 1000:>11.2f} ms{1:>8.1f}x",
            f"{'GET /api/v1/me/plan (stored plan, warm), median':<58}{statistics.median(plan_t) * 1000:>11.2f} ms"
            f"{statistics.median(plan_t) / base_med:>8.1f}x  <= 2x",
            f"{'trivial authenticated endpoint, p95':<58}{base_p95 * 1000:>11.2f} ms",
            f"{'GET /api/v1/me/plan, p95 (ratio to the trivial p95)':<58}{plan_p95 * 1000:>11.2f} ms"
            f"{plan_p95 / base_p95:>8.1f}x  <= 2x",
            f"{'  the same p95 as a ratio to the trivial median':<58}{'':>14}{plan_p95 / base_med:>8.1f}x",
            f"{'POST /api/v1/me/plan (recompute over 1,000 courses), median':<58}"
            f"{statistics.median(regen_t) * 1000:>11.2f} ms{statistics.median(regen_t) / base_med:>8.1f}x",
            f"{'trivial endpoint again (with the 10,000-course catalog), median':<58}{base10_med * 1000:>11.2f} ms"
            f"{1:>8.1f}x",
            f"{'POST /api/v1/me/plan (recompute over ' + format(len(index), ',') + ' courses), median':<58}"
            f"{statistics.median(regen10_t) * 1000:>11.2f} ms{statistics.median(regen10_t) / base10_med:>8.1f}x  <= 5x",
            f"{'GET /api/v1/me/plan (stored, ' + format(len(index), ',') + ' courses), median':<58}"
            f"{statistics.median(get10_t) * 1000:>11.2f} ms{statistics.median(get10_t) / base10_med:>8.1f}x  <= 2x",
            f"{'re-planning, learners per second':<58}{len(ids) / replan_s:>14,.0f}",
            f"{'  share of time outside the plan builder (DB, JSON)':<58}{1 - builder_seconds / replan_s:>14.0%}",
            f"{'bare model.encode of the ' + format(len(english), ',') + ' course texts (baseline)':<58}"
            f"{bare_s:>12.2f} s{1:>8.1f}x",
            f"{'embedding (stored) + tagging 1,000 courses, from scratch':<58}{cold_s:>12.2f} s"
            f"{cold_s / bare_s:>8.1f}x  <= 1.3x",
            f"{'  again with the vectors stored (nothing changed)':<58}{warm_s:>12.2f} s{warm_s / bare_s:>8.1f}x",
            f"{'resident memory: model + index of ' + format(len(index), ',') + ' courses':<58}{rss:>11.0f} MB"
            f"   (process start {rss_start:.0f} MB)",
        ]
        print("\n".join(rows))
        if args.json:
            p95 = statistics.quantiles(plan_t, n=20)[-1]
            figures = {
                "trivial_ms": base_med * 1000,
                "plan_ms": statistics.median(plan_t) * 1000,
                "plan_ratio": statistics.median(plan_t) / base_med,
                "plan_p95_ms": p95 * 1000,
                "plan_p95_ratio": p95 / base_med,
                "trivial_p95_ms": base_p95 * 1000,
                "plan_p95_to_p95_ratio": p95 / base_p95,
                "recompute_ms": statistics.median(regen_t) * 1000,
                "recompute_ratio": statistics.median(regen_t) / base_med,
                "recompute_10k_ms": statistics.median(regen10_t) * 1000,
                "recompute_10k_ratio": statistics.median(regen10_t) / base10_med,
                "plan_10k_ratio": statistics.median(get10_t) / base10_med,
                "replan_per_s": len(ids) / replan_s,
                "replan_outside_builder": 1 - builder_seconds / replan_s,
                "embed_cold_ratio": cold_s / bare_s,
                "embed_warm_ratio": warm_s / bare_s,
                "rss_mb": rss,
                "rss_start_mb": rss_start,
                "index_courses": len(index),
                "model": encoder.name,
            }
            args.json.write_text(json.dumps(figures, indent=2))
    finally:
        connection.close()
        if not args.keep:
            catalog_bench.drop_database(admin_url)


if __name__ == "__main__":
    main()
