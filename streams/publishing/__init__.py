"""For publishers: the SDK (``publish``), HTTP ingest, replay of event files, event files.

Everything here runs in the services that send events, or beside the processor (ingest); none
of it needs Faust. ``streams.publish`` is the SDK's public import path.
"""
