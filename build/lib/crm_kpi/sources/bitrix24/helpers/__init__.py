"""HTTP helpers of the Bitrix24 source: throttle, transport, client and errors."""
