"""Local emulators of the CRM APIs, for the demo and the tests."""
