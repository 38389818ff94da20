<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
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
        <source>This folder is empty</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
