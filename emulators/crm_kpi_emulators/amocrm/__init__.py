"""An amoCRM API v4 emulator: a real HTTP server serving a synthetic company.

>>> from crm_kpi_emulators.amocrm import AmoCrmEmulator
>>> from crm_kpi_emulators.synthetic import CompanyConfig
>>> emu = AmoCrmEmulator(CompanyConfig(start_date=date(2026, 7, 1)), token="demo-token")
>>> emu.start(); emu.base_url  # 'http://127.0.0.1:PORT'; the API is under /api/v4/
>>> emu.advance(days=1); emu.stop()
"""

from .options import EmulatorOptions
from .server import AmoCrmEmulator, serve

__all__ = ["AmoCrmEmulator", "EmulatorOptions", "serve"]
