"""Tests for the Deluge WebAPI integration."""
