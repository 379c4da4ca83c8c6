"""amoCRM API v4 JSON objects of the account itself: the account, users, pipelines and
custom field definitions."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from crm_kpi_emulators.synthetic import CompanyStatic, Manager, StageKind

from . import identifiers as ids
from .options import EmulatorOptions

Json = dict[str, Any]

STATUS_COLORS = ("#99ccff", "#ffff99", "#ffcc66", "#ffcccc", "#ccff66", "#deff81", "#87f2c0")


class AccountPayloads:
    """The account-wide objects of ``Renderer`` (which sets these attributes)."""

    static: CompanyStatic
    options: EmulatorOptions
    account_id: int

    def account(self, now: int, admin_id: int, with_: set[str], filters_enabled: bool) -> Json:
        """``GET /api/v4/account`` with the requested ``with=`` parts."""
        account = self.static.account
        payload: Json = {
            "id": account.id,
            "name": account.name,
            "subdomain": account.subdomain,
            "created_at": account.created_at,
            "created_by": admin_id,
            "updated_at": account.created_at,
            "updated_by": admin_id,
            "current_user_id": admin_id,
            "country": account.country,
            "customers_mode": "disabled",
            "is_unsorted_on": True,
            "is_loss_reason_enabled": True,
            "is_helpbot_enabled": False,
            "is_technical_account": False,
            "contact_name_display_order": 1,
            "mobile_feature_version": 0,
        }
        if self.options.account_currency:
            payload["currency"] = account.currency
            payload["currency_symbol"] = "₽" if account.currency == "RUB" else account.currency
        if "amojo_id" in with_:
            payload["amojo_id"] = f"{account.id:08x}-0000-4000-8000-{account.id:012x}"
        if "uuid" in with_:
            payload["uuid"] = f"{account.id:08x}-1111-4111-8111-{account.id:012x}"
        if "version" in with_:
            payload["version"] = 11
        if "is_api_filter_enabled" in with_:
            payload["is_api_filter_enabled"] = filters_enabled
        embedded: Json = {}
        if "amojo_rights" in with_:
            embedded["amojo_rights"] = {"can_direct": True, "can_create_groups": True}
        if "users_groups" in with_:
            embedded["users_groups"] = [
                {"id": team.id, "name": team.name, "uuid": None} for team in self.static.teams
            ]
        if "task_types" in with_:
            embedded["task_types"] = [
                {
                    "id": task_type.id,
                    "name": task_type.name,
                    "color": None,
                    "icon_id": None,
                    "code": None if task_type.is_custom else task_type.code,
                }
                for task_type in self.static.task_types
            ]
        if "datetime_settings" in with_:
            zone = ZoneInfo(account.timezone)
            offset = dt.datetime.fromtimestamp(now, zone).strftime("%z")
            embedded["datetime_settings"] = {
                "date_pattern": "d.m.Y H:i",
                "short_date_pattern": "d.m.Y",
                "short_time_pattern": "H:i",
                "date_format": "d.m.Y",
                "time_format": "H:i:s",
                "timezone": account.timezone,
                "timezone_offset": f"{offset[:3]}:{offset[3:]}",
            }
        if embedded:
            payload["_embedded"] = embedded
        return payload

    def user(self, manager: Manager, is_active: bool) -> Json:
        """A user of ``GET /api/v4/users`` (without ``_links``)."""
        team = next(t for t in self.static.teams if t.id == manager.team_id)
        entity_rights = {"view": "A", "edit": "A", "add": "A", "delete": "A", "export": "A"}
        if not manager.is_admin:
            entity_rights = {**entity_rights, "delete": "D", "export": "D"}
        return {
            "id": manager.id,
            "name": manager.name,
            "email": manager.email,
            "lang": "ru",
            "rights": {
                "leads": dict(entity_rights),
                "contacts": dict(entity_rights),
                "companies": dict(entity_rights),
                "tasks": {"edit": "A", "delete": "A"},
                "mail_access": True,
                "catalog_access": False,
                "files_access": True,
                "status_rights": [],
                "is_admin": manager.is_admin,
                "is_free": False,
                "is_active": is_active,
                "group_id": manager.team_id,
                "role_id": None,
            },
            "_embedded": {"roles": [], "groups": [{"id": team.id, "name": team.name}]},
        }

    def pipelines(self) -> list[Json]:
        """Every pipeline with its statuses: incoming (type 1), open stages, 142 and 143."""
        result = []
        for pipeline in self.static.pipelines:
            statuses = [
                {
                    "id": ids.unsorted_status_id(pipeline.sort),
                    "name": "Неразобранное",
                    "sort": 10,
                    "is_editable": False,
                    "pipeline_id": pipeline.id,
                    "color": "#c1c1c1",
                    "type": 1,
                    "account_id": self.account_id,
                }
            ]
            for position, stage in enumerate(pipeline.stages):
                if stage.kind is StageKind.OPEN:
                    sort, color = 20 + 10 * position, STATUS_COLORS[position % len(STATUS_COLORS)]
                else:
                    won = stage.kind is StageKind.WON
                    sort, color = (10000, "#CCFF66") if won else (11000, "#D5D8DB")
                statuses.append(
                    {
                        "id": ids.status_id(stage),
                        "name": stage.name,
                        "sort": sort,
                        "is_editable": stage.kind is StageKind.OPEN,
                        "pipeline_id": pipeline.id,
                        "color": color,
                        "type": 0,
                        "account_id": self.account_id,
                    }
                )
            result.append(
                {
                    "id": pipeline.id,
                    "name": pipeline.name,
                    "sort": pipeline.sort,
                    "is_main": pipeline.is_main,
                    "is_unsorted_on": True,
                    "is_archive": False,
                    "account_id": self.account_id,
                    "_embedded": {"statuses": statuses},
                }
            )
        return result

    def custom_fields(self, entity_type: str) -> list[Json]:
        """Custom field definitions of leads (UTM source), contacts and companies (phone...)."""
        source_enums = {
            source.name: ids.LEAD_SOURCE_ENUM_BASE + i
            for i, source in enumerate(self.static.lead_sources)
        }
        specs = {
            "leads": [
                (ids.UTM_SOURCE_FIELD_ID, "utm_source", "tracking_data", "UTM_SOURCE", {}),
                (ids.LEAD_SOURCE_FIELD_ID, "Источник", "select", None, source_enums),
            ],
            "contacts": [
                (ids.CONTACT_PHONE_FIELD_ID, "Телефон", "multitext", "PHONE", ids.PHONE_ENUMS),
                (ids.CONTACT_EMAIL_FIELD_ID, "Email", "multitext", "EMAIL", ids.EMAIL_ENUMS),
            ],
            "companies": [
                (ids.COMPANY_PHONE_FIELD_ID, "Телефон", "multitext", "PHONE", ids.PHONE_ENUMS)
            ],
        }[entity_type]
        return [
            {
                "id": field_id,
                "name": name,
                "type": field_type,
                "account_id": self.account_id,
                "code": code,
                "sort": 500 + 10 * i,
                "is_api_only": False,
                "enums": [
                    {"id": enum_id, "value": value, "sort": 500 + j}
                    for j, (value, enum_id) in enumerate(enums.items())
                ]
                or None,
                "group_id": None,
                "required_statuses": [],
                "is_deletable": False,
                "is_predefined": True,
                "entity_type": entity_type,
                "tracking_callback": None,
                "remind": None,
                "triggers": [],
                "currency": None,
                "hidden_statuses": [],
                "chained_lists": None,
            }
            for i, (field_id, name, field_type, code, enums) in enumerate(specs)
        ]
