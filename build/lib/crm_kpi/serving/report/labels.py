"""Report labels and number formats in Russian and English (CRM_KPI_REPORT_LANGUAGE)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

LANGUAGES = ("ru", "en")

_RU_MONTHS = (
    "январь", "февраль", "март", "апрель", "май", "июнь",
    "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь",
)  # fmt: skip

TEXT = {
    "ru": {
        "title": "KPI отдела продаж",
        "partial_period": "неполный период",
        "partial_week_dashed": "пунктир — неполная неделя",
        "as_of": "Данные по",
        "generated": "Отчёт сформирован",
        "leaderboard": "Рейтинг менеджеров",
        "trends": "Динамика выручки и активности",
        "revenue_by_month": "Выручка по месяцам",
        "activity_by_week": "Активность по неделям",
        "funnel": "Воронка продаж",
        "plan_vs_fact": "План и факт",
        "alerts": "Открытые сигналы",
        "no_data": "Нет данных",
        "total": "Итого",
        "manager_name": "Менеджер",
        "team_name": "Команда",
        "revenue": "Выручка",
        "deals_won": "Сделок выиграно",
        "win_rate": "Доля выигранных",
        "avg_deal_value": "Средний чек",
        "calls_total": "Звонки",
        "meetings_held": "Встречи",
        "emails_sent": "Письма",
        "tasks_completed": "Задачи выполнены",
        "task_on_time_rate": "Задачи в срок",
        "stage_name": "Этап",
        "deals_reached": "Дошли до этапа",
        "deals_reached_next": "Перешли дальше",
        "conversion_to_next": "Конверсия в следующий",
        "avg_days_in_stage": "Дней на этапе (сред.)",
        "metric": "Показатель",
        "target": "План",
        "actual": "Факт",
        "attainment": "Выполнение",
        "status": "Статус",
        "detected_date": "Дата",
        "severity": "Важность",
        "alert_type": "Тип",
        "message": "Сообщение",
        "week": "Неделя",
        "month": "Месяц",
        "ahead": "опережает",
        "on_track": "по плану",
        "behind": "отстаёт",
        "high": "высокая",
        "medium": "средняя",
        "low": "низкая",
        "stage_conversion_drop": "падение конверсии этапа",
        "manager_overloaded": "перегрузка менеджера",
        "untouched_deals": "сделки без контакта",
        "overdue_tasks": "просроченные задачи",
        "activity_drop": "падение активности",
    },
    "en": {
        "title": "Sales KPIs",
        "partial_period": "partial period",
        "partial_week_dashed": "dashed: partial week",
        "as_of": "Data as of",
        "generated": "Generated",
        "leaderboard": "Manager leaderboard",
        "trends": "Revenue and activity trends",
        "revenue_by_month": "Revenue by month",
        "activity_by_week": "Activity by week",
        "funnel": "Sales funnel",
        "plan_vs_fact": "Plan vs fact",
        "alerts": "Open alerts",
        "no_data": "No data",
        "total": "Total",
        "manager_name": "Manager",
        "team_name": "Team",
        "revenue": "Revenue",
        "deals_won": "Deals won",
        "win_rate": "Win rate",
        "avg_deal_value": "Average deal",
        "calls_total": "Calls",
        "meetings_held": "Meetings",
        "emails_sent": "Emails",
        "tasks_completed": "Tasks done",
        "task_on_time_rate": "Tasks on time",
        "stage_name": "Stage",
        "deals_reached": "Reached",
        "deals_reached_next": "Moved on",
        "conversion_to_next": "Conversion to next",
        "avg_days_in_stage": "Avg days in stage",
        "metric": "Metric",
        "target": "Target",
        "actual": "Actual",
        "attainment": "Attainment",
        "status": "Status",
        "detected_date": "Date",
        "severity": "Severity",
        "alert_type": "Type",
        "message": "Message",
        "week": "Week",
        "month": "Month",
        "ahead": "ahead",
        "on_track": "on track",
        "behind": "behind",
        "high": "high",
        "medium": "medium",
        "low": "low",
        "stage_conversion_drop": "stage conversion drop",
        "manager_overloaded": "manager overloaded",
        "untouched_deals": "untouched deals",
        "overdue_tasks": "overdue tasks",
        "activity_drop": "activity drop",
    },
}


@dataclass(frozen=True)
class Labels:
    """Translations and number formats of one language."""

    language: str

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise ValueError(
                f"report language '{self.language}' is not supported: set "
                f"CRM_KPI_REPORT_LANGUAGE to one of {', '.join(LANGUAGES)}"
            )

    def __call__(self, key: str) -> str:
        """The label for ``key`` (the key itself when there is none, e.g. a new metric)."""
        return TEXT[self.language].get(key, key.replace("_", " "))

    def number(self, value: object, decimals: int = 0) -> str:
        """Thousands grouped (narrow no-break space in Russian), empty for NULL."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return ""
        text = f"{float(value):,.{decimals}f}"
        if self.language == "ru":
            text = text.replace(",", "\u202f").replace(".", ",")
        return text

    def percent(self, value: object) -> str:
        """A fraction as a percentage, empty for NULL."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return ""
        text = f"{float(value) * 100:.0f}"
        return f"{text}\u00a0%" if self.language == "ru" else f"{text}%"

    def month(self, value: dt.date | None) -> str:
        """``сентябрь 2026`` / ``September 2026``."""
        if value is None:
            return ""
        if self.language == "ru":
            return f"{_RU_MONTHS[value.month - 1]} {value.year}"
        return f"{value:%B %Y}"

    def date(self, value: dt.date | None) -> str:
        """``30.09.2026`` / ``2026-09-30``."""
        if value is None:
            return ""
        if isinstance(value, dt.datetime):  # pandas gives Timestamps for DATE columns
            value = value.date()
        return f"{value:%d.%m.%Y}" if self.language == "ru" else value.isoformat()
