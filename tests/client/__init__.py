"""Tests of the Deluge client: no Home Assistant, a real Deluge, and a fake one for faults."""
