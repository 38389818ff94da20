"""ThingsBoard telemetry over MQTT with a durable store-and-forward outbox."""

from core.iot.service import ALARM_DOWN, ALARM_OUTBOX, ALARM_OVERFLOW, TelemetryService

__all__ = ["ALARM_DOWN", "ALARM_OUTBOX", "ALARM_OVERFLOW", "TelemetryService"]
