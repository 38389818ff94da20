"""Acquisition and setpoint writes over Modbus TCP.

- :mod:`~core.modbus.client`: ``PlcClient``, the one connection (serialised requests, retries,
  reconnect with capped backoff, typed errors from :mod:`~core.modbus.errors`).
- :mod:`~core.modbus.poller`: ``Poller``, block reads on monotonic deadlines -> ``Snapshot``s,
  link health, the ``modbus.link_lost`` and ``modbus.rate_low`` alarms.
- :mod:`~core.modbus.writer`: ``Writer``, the only path that writes (envelope, step and rate
  limits, read-back, audit) and the heartbeat; :mod:`~core.modbus.envelope` is its pure core.

Wiring: ``client = PlcClient(settings.modbus, host=..., port=...); await client.connect()``;
``writer = Writer(settings, map, client, lambda: latest, audit=sink); writer.start()``;
``poller = Poller(settings, map, client, on_snapshot, alarms=alarms); poller.start()``.
Stop in reverse: ``await poller.stop(); await writer.stop(); await client.close()``.
"""
