"""Replay of recorded periods on the screen while acquisition and recording go on (issue #19.4).

- :mod:`core.replay.status`: what a front end sees (ReplayStatus) and the periods for a cut or an alarm;
- :mod:`core.replay.reader`: chunks of raw.db and the monthly archives, off the loop thread;
- :mod:`core.replay.source`: the paced stream of Snapshots (monotonic deadlines);
- :mod:`core.engine_replay`: the engine's commands, and the hold on every PLC write (beside the other engine mixins).
"""
