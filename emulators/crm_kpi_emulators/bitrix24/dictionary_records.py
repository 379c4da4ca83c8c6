"""Bitrix24 REST dictionaries built from the synthetic company: users, departments, deal
categories, statuses (stages, lead statuses, sources) and currencies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crm_kpi_emulators.synthetic import CompanyStatic, Manager, StageKind

Json = dict[str, Any]

BASE_CURRENCY = "RUB"
# currency -> (AMOUNT_CNT, AMOUNT): AMOUNT_CNT units cost AMOUNT in the base currency.
CURRENCY_RATES = {"RUB": (1, "1.0000"), "USD": (1, "100.0000"), "KZT": (100, "20.0000")}
ROOT_DEPARTMENT_ID = 1


def yn(flag: bool) -> str:
    """Bitrix24's ``Y`` / ``N`` flags."""
    return "Y" if flag else "N"


class DictionaryRecords:
    """The dictionaries of ``Renderer`` (which sets these attributes and ``time``)."""

    static: CompanyStatic
    category_of: dict[int, int]
    stage_code: dict[int, str]
    time: Callable[[int | None], str | None]

    def users(self, days_lived: int) -> list[Json]:
        """``user.get`` rows (``ACTIVE`` boolean, ``UF_DEPARTMENT`` int array)."""
        return [self.user(m, m.is_active_on(days_lived)) for m in self.static.managers]

    def user(self, manager: Manager, active: bool) -> Json:
        """One ``user.get`` row."""
        return {
            "ID": str(manager.id),
            "ACTIVE": active,
            "NAME": manager.first_name,
            "LAST_NAME": manager.last_name,
            "SECOND_NAME": "",
            "EMAIL": manager.email,
            "PERSONAL_MOBILE": manager.phone,
            "DATE_REGISTER": self.time(manager.created_at),
            "IS_ONLINE": "N",
            "TIME_ZONE": "",
            "WORK_POSITION": "Администратор" if manager.is_admin else "Менеджер по продажам",
            "UF_DEPARTMENT": [manager.team_id],
            "USER_TYPE": "employee",
        }

    def departments(self) -> list[Json]:
        """``department.get`` rows: the company root and one department per team."""
        rows = [{"ID": str(ROOT_DEPARTMENT_ID), "NAME": self.static.account.name, "SORT": 500}]
        rows += [
            {"ID": str(t.id), "NAME": t.name, "SORT": 500, "PARENT": str(ROOT_DEPARTMENT_ID)}
            for t in self.static.teams
        ]
        return rows

    def categories(self) -> list[Json]:
        """``crm.category.list`` (entityTypeId=2) items: typed camelCase, default id 0."""
        return [
            {
                "id": index,
                "name": p.name,
                "sort": p.sort * 100,
                "entityTypeId": 2,
                "isDefault": yn(index == 0),
                "originId": "",
                "originatorId": "",
            }
            for index, p in enumerate(self.static.pipelines)
        ]

    def statuses(self) -> list[Json]:
        """``crm.status.list`` rows: deal stages of every category, lead statuses, sources."""
        rows: list[Json] = []
        next_id = 1
        for p in self.static.pipelines:
            category = self.category_of[p.id]
            entity = "DEAL_STAGE" if category == 0 else f"DEAL_STAGE_{category}"
            for position, stage in enumerate(p.stages):
                semantics = {StageKind.WON: "S", StageKind.LOST: "F"}.get(stage.kind)
                extra = {"S": "success", "F": "failure"}.get(semantics or "", "process")
                rows.append(
                    {
                        "ID": str(next_id),
                        "ENTITY_ID": entity,
                        "STATUS_ID": self.stage_code[stage.id],
                        "NAME": stage.name,
                        "NAME_INIT": stage.name,
                        "SORT": str(10 * (position + 1)),
                        "SYSTEM": yn(stage.kind is not StageKind.OPEN),
                        "CATEGORY_ID": None if category == 0 else str(category),
                        "COLOR": "#39A8EF",
                        "SEMANTICS": semantics,
                        "EXTRA": {"SEMANTICS": extra, "COLOR": "#39A8EF"},
                    }
                )
                next_id += 1
        lead_statuses = (
            ("NEW", "Новый", None),
            ("CONVERTED", "Сделка", "S"),
            ("JUNK", "Брак", "F"),
        )
        for position, (code, name, semantics) in enumerate(lead_statuses):
            rows.append(
                {
                    "ID": str(next_id),
                    "ENTITY_ID": "STATUS",
                    "STATUS_ID": code,
                    "NAME": name,
                    "NAME_INIT": name,
                    "SORT": str(10 * (position + 1)),
                    "SYSTEM": "Y",
                    "CATEGORY_ID": None,
                    "COLOR": "#39A8EF",
                    "SEMANTICS": semantics,
                    "EXTRA": [],
                }
            )
            next_id += 1
        for position, source in enumerate(self.static.lead_sources):
            rows.append(
                {
                    "ID": str(next_id),
                    "ENTITY_ID": "SOURCE",
                    "STATUS_ID": source.code.upper(),
                    "NAME": source.name,
                    "NAME_INIT": source.name,
                    "SORT": str(10 * (position + 1)),
                    "SYSTEM": "N",
                    "CATEGORY_ID": None,
                    "COLOR": None,
                    "SEMANTICS": None,
                    "EXTRA": [],
                }
            )
            next_id += 1
        return rows

    @staticmethod
    def currencies() -> list[Json]:
        """``crm.currency.list`` rows (rates against the base currency)."""
        return [
            {
                "CURRENCY": code,
                "AMOUNT_CNT": str(count),
                "AMOUNT": amount,
                "BASE": yn(code == BASE_CURRENCY),
                "SORT": str(100 * (i + 1)),
                "FULL_NAME": code,
                "LID": "ru",
                "FORMAT_STRING": "# " + code,
            }
            for i, (code, (count, amount)) in enumerate(CURRENCY_RATES.items())
        ]
