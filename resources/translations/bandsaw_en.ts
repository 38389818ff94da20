<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>AlarmBanner</name>
    <message>
        <source>No active alarms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(acknowledged)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 active</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>AlarmStrip</name>
    <message>
        <source>%1 new</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 acknowledged</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 cleared</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 shelved</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Acknowledge</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No alarms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (cleared)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>AlarmTable</name>
    <message>
        <source>Critical</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>High</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Medium</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Low</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Shelved until %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Out of service: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Active, not acknowledged</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Active, acknowledged</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cleared, not acknowledged</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Normal</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Priority</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Raised</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Alarm</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What to do</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>State</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>raised</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cleared</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>acknowledged</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>shelved</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unshelved</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>removed from service</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>returned to service</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>text changed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Action</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Text</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>User</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>AlarmsPage</name>
    <message>
        <source>No alarms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>engineer queue %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Acknowledge</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Acknowledge all</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Shelve…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unshelve</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Return to service</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Statistical detectors and diagnostics: for judgement, not an operator response. They never reach the operator&apos;s banner.</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n alarms acknowledged</source>
        <translation>
            <numerusform>%n alarm acknowledged</numerusform>
            <numerusform>%n alarms acknowledged</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Exported %n rows to %2</source>
        <translation>
            <numerusform>Exported %n row to %2</numerusform>
            <numerusform>Exported %n rows to %2</numerusform>
        </translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export CSV</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Alarm or text contains…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last hour</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last 8 h</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last 24 h</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last 7 days</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All priorities</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Critical</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>High and above</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Medium and above</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All actions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Raised</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cleared</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Acknowledged</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Shelving</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Service</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No shelved or out-of-service alarms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The engineer queue is empty</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No alarm history for these filters</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Alarms (%1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Shelved (%1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>History</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Engineer queue (%1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Acknowledged: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Shelved for %1 min: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not shelve %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>History unavailable: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>system</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>AnalogBar</name>
    <message>
        <source>ML ceiling</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>guard</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>AuditPage</name>
    <message>
        <source>Last hour</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last 24 hours</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last 7 days</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last 30 days</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Everything</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All actions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PLC writes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Logins</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Users</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Alarms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Backup and restore</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mode</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>User</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Action</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Target</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Old</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Result</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Detail</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Any result</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>all users</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>target or detail contains</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Target or detail contains</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export CSV</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The audit trail cannot be read: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n entries</source>
        <translation>
            <numerusform>%n entry</numerusform>
            <numerusform>%n entries</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Exported %n entries to %2</source>
        <translation>
            <numerusform>Exported %n entry to %2</numerusform>
            <numerusform>Exported %n entries to %2</numerusform>
        </translation>
    </message>
    <message>
        <source>(newest shown; narrow the filters or export for all)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export needs an engineer login</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not permitted: %1 may not export</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export audit trail</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Exporting to %1…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>BandLifePanel</name>
    <message>
        <source>Life used (estimated from the cuts)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Life remaining</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Band history</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Note about the band on the saw, e.g. why it came off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Note about the band</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add note</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Band</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fitted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Taken off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Why</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tooth breakages</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Life used at removal</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>From the rise of the band load at equal chip load: %1, %2, load up %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n cuts</source>
        <translation>
            <numerusform>%n cut</numerusform>
            <numerusform>%n cuts</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n materials</source>
        <translation>
            <numerusform>%n material</numerusform>
            <numerusform>%n materials</numerusform>
        </translation>
    </message>
    <message>
        <source>From the area cut against the set blade life: too few cuts (%1) or too little rise for the trend</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Band id 0: no band id is set on the PLC, so every band&apos;s cuts count together. Set it at each band change.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tooth breakage</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Worn (end of life)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Band id changed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>On the saw</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No band id set (0)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Band life cannot be read: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Note not written: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Band life</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No band seen yet: no cut has been recorded with a band id.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Band %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No cut on this band yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 cm² left</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>about %n cuts</source>
        <translation>
            <numerusform>about %n cut</numerusform>
            <numerusform>about %n cuts</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n cuts · %1 cm² cut · %2 h running</source>
        <translation>
            <numerusform>%n cut · %1 cm² cut · %2 h running</numerusform>
            <numerusform>%n cuts · %1 cm² cut · %2 h running</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>CodeNames</name>
    <message>
        <source>viewer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>operator</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>engineer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>admin</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>accepted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>clamped</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>refused</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>failed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PLC write</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>heartbeat</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>setting</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>control mode</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>band note</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>load ML model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>operator speeds restored</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PLC speeds kept</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>trust ML model key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>backup</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>restore</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>archive</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>export</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>import (older system)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>lost audit trail accepted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>audit trail found missing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>user records sealed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>lost users accepted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>lost users reported</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>replay start</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>replay stop</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>login</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>failed login</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>logout</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>user added</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PIN changed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>user enabled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>user disabled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>role changed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>alarm acknowledged</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>alarm shelved</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>alarm unshelved</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>alarm out of service</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>alarm back in service</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>view</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>acknowledge alarm</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>shelve alarm</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>speed preset</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ML on/off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>control settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>torque guard settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ML settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>verify backup</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>leave kiosk</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>manage users</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>restore with users</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>replay</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>enabled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>disabled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>manual</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ML</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>normal</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unacknowledged</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>acknowledged</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cleared, unacknowledged</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>shelved</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>out of service</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>completed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>aborted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>interrupted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ended in error</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>CoefficientBar</name>
    <message>
        <source>−1 slower</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>faster +1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ControlPage</name>
    <message>
        <source>initial delay</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>holding the speeds</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>model deciding</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>model changed the speeds</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>torque guard cut the descent speed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>restoring the operator&apos;s speeds</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>stopped</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>write refused</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Control mode</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ML speed control</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model output (coefficient)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Torque guard</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Live model inputs (last decision)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>events since start</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Decisions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Torque guard settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1  (held)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cutting</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>descent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>in a cut</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no cut</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1, ML controlling</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1; operator speeds saved: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The engine is not running.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ML unavailable</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ML unavailable: the engine is not running</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ML</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>MANUAL</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>controlling the cut</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cut starting</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>waiting for a cut</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ML %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Manual; the PLC still holds the speeds ML set before the engine stopped</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Operator&apos;s speeds (manual)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ML stopped: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Switch ML off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Back to manual at once; your speeds are restored.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Switch ML on</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Torque guard DISABLED (Torque guard settings)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No guard event recorded</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last change %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last change %1 %2 → %3 by %4</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last: %1  %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Switch ML on? During each cut the model adjusts the speeds; your speeds are saved and put back when the cut ends.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not permitted: %1 may not switch ML mode.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ML refused: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Yes, switch ML on</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ML mode on.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ML mode off: manual, operator speeds.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Manual refused: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not permitted: %1 may not do this (engineer only).</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>CoreTexts</name>
    <message>
        <source>Wrong name or PIN</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Too many failed attempts: try again in {seconds:.0f} s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Users database unusable: logins and engineer functions refused (see the log)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{user}&apos;s entry in the users database was changed outside the program: refused (call the administrator)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The audit trail shows users this users database does not have ({names}): restore it from a backup (call the administrator)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Users database changed outside the program: {detail}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unknown action &apos;{permission}&apos;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&apos;{user}&apos; is an engine actor and may not {permission}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{permission} needs {need_role} rights; nobody is logged in (view only): log in first</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{permission} needs {need_role} rights; nobody is logged in ({role} view): log in first</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{user} is not logged in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{user} is disabled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{permission} needs {need_role} rights; {user} is {role}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>user name &apos;{name}&apos;: 2-32 characters, a letter first, then letters, digits, &apos;_&apos;, &apos;.&apos;, &apos;-&apos;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>user name &apos;{name}&apos; is reserved for the program</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>role &apos;{name}&apos;: use one of {roles}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PIN/password too short: at least {count:d} characters</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PIN/password: no leading/trailing spaces or control characters</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>user &apos;{name}&apos; exists already</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>an admin exists already: log in as admin to add users</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>user &apos;{name}&apos; exists already (not as an enabled admin)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&apos;{name}&apos; is the last enabled admin: enable or add another admin first</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&apos;{name}&apos; is the last enabled admin: make another admin first</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no user &apos;{name}&apos;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>role {role}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>role {role} (session renewed)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>first admin</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>logged out</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>user disabled or removed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>wrong name or PIN</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>disabled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count:d} in a row</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>wrong PIN, {count:d} in a row</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>locked for {seconds:.0f} s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>locked out, {seconds:.0f} s left</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>command line, os user {os_user}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PIN/password changed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>lock-out cleared</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>requested {value:g}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>reason: preset {preset}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{user} logged in at this screen</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>inactivity ({seconds:g} s)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>program stopped</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>disabled by {user}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cannot connect to {address}: refused or no answer within {seconds:g} s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the engine is not answering ({seconds:g} s)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PLC link lost: {error}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no answer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cannot connect to {address}: {error}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no answer within {seconds:g} s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not connected</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>waiting to retry after: {error}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not reachable: {error}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the engine is not running</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>nothing to acknowledge</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>that alarm cannot be shelved now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>that alarm is not shelved</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no change: the alarm is already so</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no band known yet: the PLC&apos;s band id has not been read</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>band id {band:d} is outside 0..65535</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>replay is running ({label}): nothing is written to the PLC during replay; go back to live first</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no replay is running</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>speed {speed:g}x is outside {low:g}x to {high:g}x</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the period ends ({end_ms}) before it starts ({start_ms})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no recorded samples from {start_ms} to {end_ms}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no recorded samples from {start_ms} to {end_ms}: nothing has been recorded yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no recorded samples from {start_ms} to {end_ms}; the recording holds {first_ms} to {last_ms}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no recording from {start_ms} to {end_ms}: skipped</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cannot read the recorded samples: {error}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ML controls the speeds: switch to manual first (nothing may be written to the PLC during replay)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the engine has stopped</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the engine process ended (exit code {code})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a reason is required to shelve an alarm</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a reason is required</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not applied: not a set of names and values</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not tunable while running: {names}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no such setting: {names}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not applied: {error}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ML is controlling a cut: switch ML off or wait for the cut to end</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unknown mode &apos;{mode}&apos;: manual or ml</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ML unavailable: {error}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no usable ML model loaded</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>already {mode}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the note is empty</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the note is longer than {limit:d} characters ({count:d})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unknown preset &apos;{preset}&apos;; known: {known}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not restored: {error}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>restored {what} in {seconds:.1f} s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not archived: {error}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not exported: {error}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cannot compute the production figures: {error}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cannot read the alarm history: {error}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cannot read the cut records: {error}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cannot read the band life: {error}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cannot read the audit trail: {error}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cannot read the users: {error}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cannot read the backups: {error}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cannot read the models: {error}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{value} is not a number</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no allowed range: minimum {low:g} is above maximum {high:g}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>raised to the minimum {low:g}{unit}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>lowered to the maximum {high:g}{unit}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the PLC&apos;s current value is unknown, so the step cannot be limited</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>step limit: the {step:g}{unit} allowed per second is used up</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>step limited to +{allowed:g}{unit} ({step:g}{unit}/s)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>step limited to -{allowed:g}{unit} ({step:g}{unit}/s)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{name} is {current:g}{unit} on the PLC, outside the allowed {low:g}..{high:g}{unit}: a write would step {distance:g}{unit}, more than the {step:g}{unit} allowed per second; set {name} within {low:g}..{high:g}{unit} at the panel first</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>step limit: {name} is {current:g}{unit} on the PLC, {distance:g}{unit} outside {low:g}..{high:g}{unit}; only {allowed:g}{unit} may change now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>next change to {name} allowed in {wait:.0f} ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no value {name} can hold lies in {low:g}..{high:g}{unit}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no register named &apos;{name}&apos;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{name} is read-only</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>write rate limit: next write to {name} allowed in {wait:.0f} ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the last write to {name} is unconfirmed: waiting for a fresh PLC value</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no fresh value of {name} from the PLC</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ML is writing {name} now: the next write to it is allowed in {wait:.0f} ms (switch ML off on the Control page to set it by hand)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>users.db rows protected by their MACs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>users.db rows without MACs not sealed: {detail}: its MACs were removed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>MACs given to the {count:d} users of a users.db from before rows were protected: {names}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>operator switched ML on</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>operator switched ML off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>engine started in {mode}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>operator chose manual</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>operator speeds</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>operator speeds (done)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>descent to {speed:.1f} mm/min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>chip {now:.2f} -&gt; {chip:.2f} um ({detail}; window top {top:.2f} um of {source}), band {band:g} m/min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>entry (load not measured yet)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>chip window</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>load {percent:g} %</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>window bottom</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>grade {grade:g}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>hardness class {hardness:g}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>speeds, pitch, hardness or head position unknown</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no chip window for hardness class {hardness:g}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>section dimensions unknown</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>features not ready</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>initial delay {elapsed:.1f}/{needed:.1f} s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>head height unknown</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>initial descent {descended:.1f}/{needed:.1f} mm</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>torque rose {rise:.0f} % within {lookback:g} mm of descent ({before:.1f} -&gt; {now:.1f} %): descent speed cut to {factor:.0f} %</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>operator set {name} {old:g} -&gt; {new:g} on the PLC panel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>operator set {name} {old:g} -&gt; {new:g} in the HMI</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>operator set {name} {old:g} -&gt; {new:g}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ML pauses for this cut ({count:d} overrides)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not restored</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>stale data ({detail})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>newest sample {age:.2f} s old, {quality}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>saw state unknown</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>restore of {name} failed: {detail}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>write of {name} failed: {detail}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no model loaded</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>load stayed above the ceiling: {detail}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{signal} {value:.1f}{unit} above the ceiling {limit:g}{unit} for {for_s:.1f} s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Load ceiling: {detail}; descent cut</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>descent already cut</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no planned time in this period (no shift falls in it)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no data for {machine}, {period}: nothing recorded in this period, figures left blank</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no data for {missing:.1f} % of planned time ({missing_h:.2f} h): availability is over the {data_h:.2f} h with data</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count:d} cut(s) without a section: area unknown, not counted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count:d} cut(s) without a depth or ideal speed: left out of performance</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count:d} cut(s) with band id 0 or none: band unknown</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count:d} cut(s) ended outside planned time: not in these figures</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>saw states from {source}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>performance {value:.1f} % is above 100 %: the saw cut faster than the chart or preset speed (ML speed control, a chart or preset speed set too low, or a simulator speed-up)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>OEE not given: {parts} above 100 % would overstate it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count:d} of {cuts:d} cuts did not go through (not pieces): {aborted:d} aborted, {error:d} PLC error, {interrupted:d} interrupted (engine stopped or link lost mid-cut)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>quality {value:.0f} % = {good:d} good of {cuts:d} cuts: {not_through:d} not through, {flagged:d} flagged by the cut-profile check</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no shift is running now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the engine failed to start: {error}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{path} has schema version {version}; this program knows {known}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the PLC link is down</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{name} could not be read from the PLC before the write: {error}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>write failed: {error}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>written, but the read-back failed: {error}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>read back {read:g}, not the {written:g} written</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>command sent (the PLC clears it: not read back)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no data from the PLC yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the last poll of the PLC failed (no current values)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PLC data is stale ({age:.2f} s old, limit {limit:g} s)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>waiting for the first poll</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>CreateAdminDialog</name>
    <message>
        <source>Create the administrator</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No administrator exists yet. Create one now: until then engineer and administrator functions stay locked and the screen is view-only.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Administrator&apos;s name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New PIN</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Repeat PIN</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Create</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Later</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PIN</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Repeat</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The two PINs differ</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not create the administrator: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>CutOverview</name>
    <message>
        <source>IDLE</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PREPARING</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>READY</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CUTTING</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>COMPLETED</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>FAULT</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>STATE %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Waiting for the PLC</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Next: read the alarm, clear the cause, reset the fault on the saw</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Next: load the next piece and start the cycle</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Next: the saw clamps and positions the piece</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Next: the cut starts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Next: cut ends in %1, then the saw lifts the band</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Next: remove the cut piece; the next piece follows</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Next: the cut ends, then the saw lifts the band</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>normal %1–%2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>trip %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>head going up, not cutting</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>target %1 %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Band speed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Head return</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Descent speed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Band current</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Band torque</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>elapsed %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>remaining %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 of %2 mm</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DataPage</name>
    <message>
        <source>No backups yet: &quot;Back up now&quot; makes the first one.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Taken</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rows</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Size</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Backups</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Back up now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Verify</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Restore…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>From USB…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Daily backup at %1 (kept %2); raw samples %3 move to the archive.</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n days</source>
        <translation>
            <numerusform>%n day</numerusform>
            <numerusform>%n days</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>older than %n days</source>
        <translation>
            <numerusform>older than %n day</numerusform>
            <numerusform>older than %n days</numerusform>
        </translation>
    </message>
    <message>
        <source>Restore a backup from the export folder or a USB stick</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export data…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Import from smart-saw…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Backups cannot be listed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Complete</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Damaged: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Daily backup is switched off in the configuration.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last scheduled backup failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Archive stopped: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No backups yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Wait: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Select a backup in the list first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 may not start a backup.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Backing up all databases …</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Backup failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Checking %1 against its manifest …</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Backup damaged: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: every file matches its manifest (sha256).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 may not restore backups (administrators only).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This backup cannot be restored: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Backup complete: %n rows, %2 MB in %3 s</source>
        <translation>
            <numerusform>Backup complete: %n row, %2 MB in %3 s</numerusform>
            <numerusform>Backup complete: %n rows, %2 MB in %3 s</numerusform>
        </translation>
    </message>
    <message>
        <source>Backup to restore</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Checking %1 before restoring …</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Restore refused: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Restoring: recording is stopped …</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Restore failed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Restored the backup of %1 (%2); previous files kept aside. Recording again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 may not export data.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 may not import data.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DecisionNames</name>
    <message>
        <source>wait</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>hold</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>accumulate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>write</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>guard</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ceiling</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>override</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>restore</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>restore held</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>restore given up</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>previous run</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>stopped</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>fault</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>refused</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ml</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>manual</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DecisionsTab</name>
    <message>
        <source>Time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Action</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mode</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Output</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Descent
mm/min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cutting
m/min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Torque
%</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reason</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only writes, guard and faults</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tap a row to read the whole decision.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 %2 (%3, model %4): %5</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No ML decisions recorded yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The %1 latest ML decisions (updated every second)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No decisions recorded yet: ML writes one per step while it controls a cut.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>EngineProcess</name>
    <message>
        <source>the engine stopped: ML is not in control; the PLC keeps the last speeds it was given</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Engine stopped: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Restart the engine (the banner&apos;s button) or the program</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>needs an engineer who is logged in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no answer from the engine within %1 s: state unknown, check it</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ExportDialog</name>
    <message>
        <source>Last hour</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last 8 h</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last 24 h</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last 7 days</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Everything</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Samples (signals)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cuts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Alarms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export data</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All signals</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>None</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Excel (xlsx)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel export</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Close</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>From</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>to</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signals</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export to</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose at least one signal.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The end of the range must be after its start.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose a file to write.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export not possible: no event loop is running.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Exporting to %1 …</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export cancelled; no file was left.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelling …</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n rows written to %1 in %2 s</source>
        <translation>
            <numerusform>%n row written to %1 in %2 s</numerusform>
            <numerusform>%n rows written to %1 in %2 s</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>FeatureTable</name>
    <message>
        <source>Model input</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Value</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No model loaded: no inputs to show</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>GuardSettingsPanel</name>
    <message>
        <source>Activation delay (time)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Activation delay (descent)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rise threshold</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Descent speed cut</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Guard</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>and</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Apply</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Undo edits</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Back to config values</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Changes apply to the running torque guard at once and last until the program restarts; config/config.yaml is not changed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Compares torque now with torque %1 mm higher; the band counts as engaged %2 % points above free running (config only).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>tap to enter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enabled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>DISABLED</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: enter a number</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not applied — %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No change: these are the running values.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>enabled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Applied: %1. Until restart.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>HandoverPanel</name>
    <message>
        <source>Previous run</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Restore the operator&apos;s speeds</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keep the PLC&apos;s speeds</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>band speed %1 %2, descent %3 %4</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The engine stopped while ML held the speeds. The PLC still holds the speeds ML set: %1. The operator&apos;s were: %2. Restore them?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Set by a person since the start, not restored: %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>An engineer answers here.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>band speed %1 %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>descent %3 %4</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Restoring the operator&apos;s speeds: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The saw is cutting: the descent stays at %1 %2 until the cut ends, then the operator&apos;s comes back.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not restored: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The PLC&apos;s speeds stay.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not answered: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>HmiStatusBar</name>
    <message>
        <source>not logged in (operator view)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>poll %1 Hz</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PLC link lost</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>newest sample %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>alarms %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>user %1 (%2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not logged in (view only)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>user %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>storage queue %n rows</source>
        <translation>
            <numerusform>storage queue %n row</numerusform>
            <numerusform>storage queue %n rows</numerusform>
        </translation>
    </message>
    <message>
        <source>(%1 unacknowledged)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ImportDialog</name>
    <message>
        <source>Import from smart-saw</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The older system&apos;s folder (with total.db, ml.db, anomaly.db, log.db). Its files are only read. Rows already imported are skipped; rows that cannot be read go to a reject file.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dry run (read and count, write nothing)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Import</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel import</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Close</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>smart-saw folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the smart-saw folder.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Import not possible: no event loop is running.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Importing from {0} …</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Import failed: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Import refused or failed: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelling after the batch under way …</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%1: %2/%n rows, %3 rows/s</source>
        <translation>
            <numerusform>%1: %2/%n row, %3 rows/s</numerusform>
            <numerusform>%1: %2/%n rows, %3 rows/s</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Import cancelled: %n rows kept; import again to continue.</source>
        <translation>
            <numerusform>Import cancelled: %n row kept; import again to continue.</numerusform>
            <numerusform>Import cancelled: %n rows kept; import again to continue.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n rows imported, %1 rejected.</source>
        <translation>
            <numerusform>%n row imported, %1 rejected.</numerusform>
            <numerusform>%n rows imported, %1 rejected.</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 s left</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LetterKeyboard</name>
    <message>
        <source>space</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Clear</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>OK</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LinkBanner</name>
    <message>
        <source>PLC LINK LOST — values are not live</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Restart engine</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Restarting the engine…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no data for %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no data received yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ENGINE RESTARTING — values are not live</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ENGINE STOPPED — values are not live</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>An engineer who is logged in can restart the engine here; otherwise restart the program</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Automatic restarts used up: waiting for a person</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Restart failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ENGINE RESTARTED — manual mode (ML off)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>automatically</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>by %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Restarted %1 at %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>log in again</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LoginButton</name>
    <message>
        <source>%1 (%2) · Log out</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Log in</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <source>Log in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PIN</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Users cannot be read; see the log</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose a name and enter the PIN</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Login not possible: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Alarms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Control</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Production</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Data</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Users</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Audit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dashboard</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Trends</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Registers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Band saw — %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Replay…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Leave kiosk</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>REPLAY</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Full screen</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Kiosk mode</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;About</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>About</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Band saw HMI</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not permitted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 may not leave kiosk mode.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Leave kiosk mode</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Leave kiosk mode and show the desktop window?</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ModelPanel</name>
    <message>
        <source>Model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Output</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Features</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Training</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model files</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rescan</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Load selected model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>— (the engine is not running)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no model configured (ml.model_path)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No model loaded — %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>steps per decision</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>this install %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(loaded)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Models cannot be listed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No model manifests (*.json) in the model folders.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not loaded — the engine is not running.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not loaded — ML is controlling a cut: switch ML off or wait for the cut to end.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Checking %1 (sha256, versions)…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not loaded — no event loop is running.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Loaded %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Refused: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>NavBar</name>
    <message>
        <source>More ▾</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>NumericEntry</name>
    <message>
        <source>tap to enter</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>NumericKeypad</name>
    <message>
        <source>OK</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>OverviewPage</name>
    <message>
        <source>off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>backlog %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ok</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>down</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Slow</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Normal</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fast</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Manual: operator&apos;s speeds</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ML paused in this cut</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ML controls the speeds</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ML on: waits for the cut</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Speed preset</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Database</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PLC link lost: nothing can be written until it is back.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Material %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PLC band wear %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>LINK LOST</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>queue %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ML speed control</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ML speed control
(no model loaded)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Let the ML model set the cutting speeds?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Return to the operator&apos;s speeds (manual)?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Control mode</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Switch</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mode %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mode %1 refused: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Applying %1…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Preset %1 failed: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Preset %1 not applied: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Preset %1 applied</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>refused</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PinField</name>
    <message>
        <source>tap to enter PIN</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PIN or password</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ProductionPage</name>
    <message>
        <source>availability</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>performance</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>quality</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not given: %1 above 100 % would overstate it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cutting</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ready / idle</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>alarm / stopped</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>link lost</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no data</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 h %2 min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no data recorded in this shift</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pieces %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>OEE %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A %1 · P %2 · Q %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export report (24 h)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pieces</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>OEE</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cut area cm²</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Availability</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Performance</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quality</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saw state this shift</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Why it stood (alarms while not cutting)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stops and band life</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Band history</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last shifts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Production</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Figures not available: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No shift is running now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>updated %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Shift %1 · %2–%3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>above 100 %: faster than the ideal cut time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no alarm stopped the saw this shift</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Notes (%1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Exporting reports needs an engineer.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Writing %1 …</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Report written: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not exported: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>RegisterTableModel</name>
    <message>
        <source>Address</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Raw</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Value</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Access</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Age</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Description</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>hex</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>signed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>decimal</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>read/write</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>read</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>RegistersPage</name>
    <message>
        <source>Search: name, address, unit, description</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search registers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Clear</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Address</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Raw</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Write…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All registers</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n registers</source>
        <translation>
            <numerusform>%n register</numerusform>
            <numerusform>%n registers</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 of %2 registers match “%3”</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No register matches “%1”</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PLC link lost: nothing can be written until it is back.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Select a writable register (access rw) first.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ReplayBar</name>
    <message>
        <source>%1 min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 h</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>REPLAY</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Back to live</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Play</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pause</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>paused</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>end of the period</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not live: nothing is written to the PLC</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>plant time %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ReplayChooser</name>
    <message>
        <source>Replay</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>From (%1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>for</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cut</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Alarm</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Speed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No cut has been recorded yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cut list unavailable: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cut %1  %2  %3 s  %4</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No alarm has been recorded yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Alarm history unavailable: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose a cut or an alarm in the list first</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reading the recording…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not replayed: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ReportNotes</name>
    <message>
        <source>availability</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>performance</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>quality</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>RestoreDialog</name>
    <message>
        <source>Restore backup</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Restoring stops recording for a moment, checks the backup against its manifest, keeps the current databases aside (renamed with the time) and puts the backup&apos;s databases in their place; then recording starts again. Data recorded since the backup stays only in the files kept aside.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>I understand</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Restore</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n rows</source>
        <translation>
            <numerusform>%n row</numerusform>
            <numerusform>%n rows</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n databases</source>
        <translation>
            <numerusform>%n database</numerusform>
            <numerusform>%n databases</numerusform>
        </translation>
    </message>
    <message>
        <source>Backup of %1: %2 in %3</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SectionView</name>
    <message>
        <source>round bar Ø %1 mm</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>tube Ø %1 × %2 mm</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>profile %1 × %2 mm</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>square %1 × %1 mm</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>rectangle %1 × %2 mm</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ShelveDialog</name>
    <message>
        <source>Maintenance work</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sensor fault</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Known process condition</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nuisance alarm (report it)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Shelve alarm</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Shelve: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reason</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reason (required)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Shelve</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Why:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>For how long (it returns by itself):</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>TouchFilePicker</name>
    <message>
        <source>Up</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>File name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save here</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose this folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export folder and removable media</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>USB: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot read %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No folders here</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This folder is empty</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>TrendsPage</name>
    <message>
        <source>trip</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Current</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>current</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Torque</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>torque</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Vibration</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Band</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>band speed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Descent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>descent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 h</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Live</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pause</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove cursor</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>History from</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Load</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No data yet: the plots fill as samples arrive from the saw.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No recorded samples from %1 to %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>target</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No samples recorded from %1 to %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reading raw.db…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>History unavailable: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>raw.db from %1: %n samples</source>
        <translation>
            <numerusform>raw.db from %1: %n sample</numerusform>
            <numerusform>raw.db from %1: %n samples</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>raw.db from %1: %n samples (min/max per interval)</source>
        <translation>
            <numerusform>raw.db from %1: %n sample (min/max per interval)</numerusform>
            <numerusform>raw.db from %1: %n samples (min/max per interval)</numerusform>
        </translation>
    </message>
    <message>
        <source>Tap a plot to place the cursor</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>UsersPage</name>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Role</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>State</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Failed logins</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Locked</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Changed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>admin</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>engineer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>operator</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>login name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Login name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New PIN</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Repeat PIN</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>tap to enter PIN</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PIN</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add user</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Set PIN of selected</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Set role of selected</source>
        <translation>Set role of selected</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only a logged-in administrator can change users.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Change</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Users cannot be read: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>enabled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>disabled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enable selected</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Disable selected</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The two PINs differ</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unknown role %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>User %1 added as %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Select a user first</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PIN of %1 changed (lock-out cleared)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>User %1 enabled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>User %1 disabled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 is now %2</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ValueTile</name>
    <message>
        <source>target %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no data</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 old</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>WriteDialog</name>
    <message>
        <source>at most %1 per second</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no limits in the register map</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 is below the minimum %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 is above the maximum %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the engine did not write it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Refused: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Written %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(clamped from %1: %2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>read back %1: verified</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no read-back</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>read back %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: NOT verified</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Write %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Register</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Current</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Limits</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New value</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Write…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Back</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Close</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>out of range: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter a number</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not permitted: %1 may not write registers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>nobody</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Refused: %1. Nothing was written.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Confirm: write %1 %2 → %3?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Confirm write</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Writing %1…</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>formatting</name>
    <message>
        <source>band current (from torque)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no data</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
