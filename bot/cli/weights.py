"""`civic-match weights --team T`: a workspace's stored refits of its scoring weights.

Registered on the one app (bot.cli.common) when bot.cli imports this module.
"""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.common import DbOpt, TeamOpt, app, runtime


@app.command()
def weights(
    team: TeamOpt,
    last: Annotated[int, typer.Option("--last", min=1, max=100, help="how many fits")] = 1,
    db: DbOpt = None,
) -> None:
    """The workspace's latest weight fits: date, data size, prior vs fitted, change."""
    from profiles import repo

    rt = runtime(db)
    with rt.store.session() as s:
        fits = [
            (f.created_at, f.positives, f.negatives, dict(f.prior), dict(f.weights), f.change)
            for f in repo.weight_fits(s, team, limit=last)
        ]
    used = "used for ranking" if rt.settings.refit_weights else "not used (REFIT_WEIGHTS=false)"
    if not fits:
        typer.echo(f"{team}: no weight fit yet (too little feedback); ranking uses the defaults")
        return
    for when, pos, neg, prior, fitted, change in fits:
        typer.echo(
            f"{team} fit of {when:%Y-%m-%d %H:%M} UTC: {pos} positive / {neg} negative; {used}"
        )
        typer.echo(f"  {'signal':<10}{'prior':>8}{'fitted':>8}{'change':>8}")
        for name in sorted(set(prior) | set(fitted), key=list({**prior, **fitted}).index):
            p, w = prior.get(name), fitted.get(name)
            diff = f"{w - p:+8.3f}" if p is not None and w is not None else f"{'':>8}"
            typer.echo(f"  {name:<10}{_num(p):>8}{_num(w):>8}{diff}")
        typer.echo(f"  change (L1) {change:.3f}")


def _num(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"
