"""Reflex state classes, one per page area. Handlers are thin: parse, call a service, toast."""
