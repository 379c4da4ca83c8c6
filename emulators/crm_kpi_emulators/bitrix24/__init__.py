"""A Bitrix24 REST emulator (part D2 of the API reference) serving the synthetic company.

>>> from crm_kpi_emulators.bitrix24 import Bitrix24Emulator
>>> with Bitrix24Emulator(CompanyConfig(days=20)) as emu:
...     emu.webhook_url  # 'http://127.0.0.1:PORT/rest/1/demo-webhook-code/'
"""

from .options import Bitrix24Options
from .server import Bitrix24Emulator, LogEntry, serve

__all__ = ["Bitrix24Emulator", "Bitrix24Options", "LogEntry", "serve"]
