"""The policy lab: compare a marketplace's scores under two policies (or privacy settings).

    spec.parse_spec("auto@k=3")                   a policy with an optional privacy k
    run.lab_frame(history, base, candidate, days)  both ways, one row per freelancer and date
    compare.summarize(frame, base, candidate)      counts, shares, quantiles, segments
    run.movers / run.explain_movers                the largest movers, explained

Pure functions over frames; the CLI (`jobsuccess.lab_cli`) writes the files and the page
(`jobsuccess.lab.html`).
"""
