<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="tr_TR">
<context>
    <name>LetterKeyboard</name>
    <message>
        <source>space</source>
        <translation>boşluk</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>Sil</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>İptal</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>Tamam</translation>
    </message>
</context>
<context>
    <name>SectionView</name>
    <message>
        <source>round bar Ø %1 mm</source>
        <translation>yuvarlak çubuk Ø %1 mm</translation>
    </message>
    <message>
        <source>tube Ø %1 × %2 mm</source>
        <translation>boru Ø %1 × %2 mm</translation>
    </message>
    <message>
        <source>profile %1 × %2 mm</source>
        <translation>profil %1 × %2 mm</translation>
    </message>
    <message>
        <source>square %1 × %1 mm</source>
        <translation>kare %1 × %1 mm</translation>
    </message>
    <message>
        <source>rectangle %1 × %2 mm</source>
        <translation>dikdörtgen %1 × %2 mm</translation>
    </message>
</context>
<context>
    <name>TouchFilePicker</name>
    <message>
        <source>Up</source>
        <translation>Yukarı</translation>
    </message>
    <message>
        <source>File name</source>
        <translation>Dosya adı</translation>
    </message>
    <message>
        <source>Save here</source>
        <translation>Buraya kaydet</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Aç</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>İptal</translation>
    </message>
    <message>
        <source>Export folder and removable media</source>
        <translation>Dışa aktarma klasörü ve çıkarılabilir bellekler</translation>
    </message>
    <message>
        <source>Export folder</source>
        <translation>Dışa aktarma klasörü</translation>
    </message>
    <message>
        <source>USB: %1</source>
        <translation>USB: %1</translation>
    </message>
    <message>
        <source>Cannot read %1: %2</source>
        <translation>%1 okunamıyor: %2</translation>
    </message>
    <message>
        <source>This folder is empty</source>
        <translation>Bu klasör boş</translation>
    </message>
</context>
</TS>
