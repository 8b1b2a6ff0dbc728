"""A synthetic styrmodell for the benchmarks: N units × A areas × R rows per unit and area."""

from __future__ import annotations

from malbok.model import Model


def synthetic_model(units: int = 15, areas: int = 4, rows: int = 40, goals_per_area: int = 8) -> Model:
    per_goal = rows // goals_per_area - 1  # each goal row + its indicators = rows / goals_per_area
    data: dict = {
        "id": "syntet",
        "kommun": {"namn": "Syntetisk", "kommunkod": "0000"},
        "mandatperiod": {"från": 2023, "till": 2026},
        "vision": {"rubrik": "Benchmark", "text": "Syntetisk modell för mätningar."},
        "skalor": [{"id": "s", "namn": "Skala", "etiketter": [
            {"etikett": "Uppfyllt", "betydelse": "uppfyllt", "färg": "#00B050"},
            {"etikett": "Delvis uppfyllt", "betydelse": "på_väg", "färg": "#FFC000"},
            {"etikett": "Ej uppfyllt", "betydelse": "ej_uppfyllt", "färg": "#FF0000"},
        ]}],
        "målnivåer": [{"id": "nm", "namn": "Nämndmål", "skala": "s"}],
        "områden": [{"id": f"a{a}", "namn": f"Område {a}"} for a in range(areas)],
        "enheter": [{"kod": f"U{u}", "namn": f"Nämnd {u}"} for u in range(units)],
        "perioder": [{"id": "delar", "namn": "Delår", "månad": 8, "typ": "delår"}],
        "mål": [],
        "indikatorer": [],
    }
    for u in range(units):
        for a in range(areas):
            for g in range(goals_per_area):
                gid = f"G{u}-{a}-{g}"
                data["mål"].append({"id": gid, "nivå": "nm", "område": f"a{a}", "text": f"Mål {gid}", "enheter": [f"U{u}"]})
                for i in range(per_goal):
                    data["indikatorer"].append({
                        "id": f"I{u}-{a}-{g}-{i}", "mål": gid, "text": f"Indikator {i} för {gid}", "måttenhet": "procent",
                        "utgångsvärde": {"värde": 50, "år": 2022},
                        "målvärden": [{"typ": "värde", "värde": 80, "år": 2026, "jämförelse": "minst"}],
                    })
    return Model.model_validate(data)
