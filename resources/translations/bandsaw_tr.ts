<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="tr_TR">
<context>
    <name>AlarmBanner</name>
    <message>
        <source>No active alarms</source>
        <translation>Etkin alarm yok</translation>
    </message>
    <message>
        <source>(acknowledged)</source>
        <translation>(onaylandı)</translation>
    </message>
    <message>
        <source>%1 active</source>
        <translation>%1 etkin</translation>
    </message>
</context>
<context>
    <name>AlarmStrip</name>
    <message>
        <source>%1 new</source>
        <translation>%1 yeni</translation>
    </message>
    <message>
        <source>%1 acknowledged</source>
        <translation>%1 onaylandı</translation>
    </message>
    <message>
        <source>%1 cleared</source>
        <translation>%1 temizlendi</translation>
    </message>
    <message>
        <source>%1 shelved</source>
        <translation>%1 rafta</translation>
    </message>
    <message>
        <source>Acknowledge</source>
        <translation>Onayla</translation>
    </message>
    <message>
        <source>No alarms</source>
        <translation>Alarm yok</translation>
    </message>
    <message>
        <source>%1 (cleared)</source>
        <translation>%1 (temizlendi)</translation>
    </message>
</context>
<context>
    <name>AlarmTable</name>
    <message>
        <source>Critical</source>
        <translation>Kritik</translation>
    </message>
    <message>
        <source>High</source>
        <translation>Yüksek</translation>
    </message>
    <message>
        <source>Medium</source>
        <translation>Orta</translation>
    </message>
    <message>
        <source>Low</source>
        <translation>Düşük</translation>
    </message>
    <message>
        <source>Shelved until %1: %2</source>
        <translation>%1 saatine kadar rafta: %2</translation>
    </message>
    <message>
        <source>Out of service: %1</source>
        <translation>Hizmet dışı: %1</translation>
    </message>
    <message>
        <source>Active, not acknowledged</source>
        <translation>Etkin, onaylanmadı</translation>
    </message>
    <message>
        <source>Active, acknowledged</source>
        <translation>Etkin, onaylandı</translation>
    </message>
    <message>
        <source>Cleared, not acknowledged</source>
        <translation>Temizlendi, onaylanmadı</translation>
    </message>
    <message>
        <source>Normal</source>
        <translation>Normal</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>Öncelik</translation>
    </message>
    <message>
        <source>Raised</source>
        <translation>Oluştu</translation>
    </message>
    <message>
        <source>Alarm</source>
        <translation>Alarm</translation>
    </message>
    <message>
        <source>What to do</source>
        <translation>Ne yapılmalı</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Durum</translation>
    </message>
    <message>
        <source>raised</source>
        <translation>oluştu</translation>
    </message>
    <message>
        <source>cleared</source>
        <translation>temizlendi</translation>
    </message>
    <message>
        <source>acknowledged</source>
        <translation>onaylandı</translation>
    </message>
    <message>
        <source>shelved</source>
        <translation>rafa kaldırıldı</translation>
    </message>
    <message>
        <source>unshelved</source>
        <translation>raftan indirildi</translation>
    </message>
    <message>
        <source>removed from service</source>
        <translation>hizmet dışı bırakıldı</translation>
    </message>
    <message>
        <source>returned to service</source>
        <translation>hizmete döndü</translation>
    </message>
    <message>
        <source>text changed</source>
        <translation>metin değişti</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Zaman</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>İşlem</translation>
    </message>
    <message>
        <source>Text</source>
        <translation>Metin</translation>
    </message>
    <message>
        <source>User</source>
        <translation>Kullanıcı</translation>
    </message>
</context>
<context>
    <name>AlarmsPage</name>
    <message>
        <source>No alarms</source>
        <translation>Alarm yok</translation>
    </message>
    <message>
        <source>engineer queue %1</source>
        <translation>mühendis kuyruğu %1</translation>
    </message>
    <message>
        <source>Acknowledge</source>
        <translation>Onayla</translation>
    </message>
    <message>
        <source>Acknowledge all</source>
        <translation>Tümünü onayla</translation>
    </message>
    <message>
        <source>Shelve…</source>
        <translation>Rafa kaldır…</translation>
    </message>
    <message>
        <source>Unshelve</source>
        <translation>Raftan indir</translation>
    </message>
    <message>
        <source>Return to service</source>
        <translation>Hizmete döndür</translation>
    </message>
    <message>
        <source>Statistical detectors and diagnostics: for judgement, not an operator response. They never reach the operator&apos;s banner.</source>
        <translation>İstatistiksel algılayıcılar ve tanılama: değerlendirme içindir, operatör müdahalesi gerektirmez. Operatörün alarm şeridine asla düşmezler.</translation>
    </message>
    <message numerus="yes">
        <source>%n alarms acknowledged</source>
        <translation>
            <numerusform>%n alarm onaylandı</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Exported %n rows to %2</source>
        <translation>
            <numerusform>%n satır %2 dosyasına aktarıldı</numerusform>
        </translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Yenile</translation>
    </message>
    <message>
        <source>Export CSV</source>
        <translation>CSV dışa aktar</translation>
    </message>
    <message>
        <source>Alarm or text contains…</source>
        <translation>Alarm veya metin içerir…</translation>
    </message>
    <message>
        <source>Last hour</source>
        <translation>Son bir saat</translation>
    </message>
    <message>
        <source>Last 8 h</source>
        <translation>Son 8 sa</translation>
    </message>
    <message>
        <source>Last 24 h</source>
        <translation>Son 24 sa</translation>
    </message>
    <message>
        <source>Last 7 days</source>
        <translation>Son 7 gün</translation>
    </message>
    <message>
        <source>All</source>
        <translation>Tümü</translation>
    </message>
    <message>
        <source>All priorities</source>
        <translation>Tüm öncelikler</translation>
    </message>
    <message>
        <source>Critical</source>
        <translation>Kritik</translation>
    </message>
    <message>
        <source>High and above</source>
        <translation>Yüksek ve üstü</translation>
    </message>
    <message>
        <source>Medium and above</source>
        <translation>Orta ve üstü</translation>
    </message>
    <message>
        <source>All actions</source>
        <translation>Tüm işlemler</translation>
    </message>
    <message>
        <source>Raised</source>
        <translation>Oluşan</translation>
    </message>
    <message>
        <source>Cleared</source>
        <translation>Temizlenen</translation>
    </message>
    <message>
        <source>Acknowledged</source>
        <translation>Onaylanan</translation>
    </message>
    <message>
        <source>Shelving</source>
        <translation>Rafa kaldırma</translation>
    </message>
    <message>
        <source>Service</source>
        <translation>Hizmet</translation>
    </message>
    <message>
        <source>No shelved or out-of-service alarms</source>
        <translation>Rafta veya hizmet dışı alarm yok</translation>
    </message>
    <message>
        <source>The engineer queue is empty</source>
        <translation>Mühendis kuyruğu boş</translation>
    </message>
    <message>
        <source>No alarm history for these filters</source>
        <translation>Bu filtrelerle alarm geçmişi yok</translation>
    </message>
    <message>
        <source>Alarms (%1)</source>
        <translation>Alarmlar (%1)</translation>
    </message>
    <message>
        <source>Shelved (%1)</source>
        <translation>Rafta (%1)</translation>
    </message>
    <message>
        <source>History</source>
        <translation>Geçmiş</translation>
    </message>
    <message>
        <source>Engineer queue (%1)</source>
        <translation>Mühendis kuyruğu (%1)</translation>
    </message>
    <message>
        <source>Acknowledged: %1</source>
        <translation>Onaylandı: %1</translation>
    </message>
    <message>
        <source>Shelved for %1 min: %2</source>
        <translation>%1 dk rafa kaldırıldı: %2</translation>
    </message>
    <message>
        <source>Could not shelve %1: %2</source>
        <translation>%1 rafa kaldırılamadı: %2</translation>
    </message>
    <message>
        <source>History unavailable: %1</source>
        <translation>Geçmiş kullanılamıyor: %1</translation>
    </message>
    <message>
        <source>Export failed: %1</source>
        <translation>Dışa aktarma başarısız: %1</translation>
    </message>
    <message>
        <source>system</source>
        <translation>sistem</translation>
    </message>
</context>
<context>
    <name>AnalogBar</name>
    <message>
        <source>ML ceiling</source>
        <translation>ML tavanı</translation>
    </message>
    <message>
        <source>guard</source>
        <translation>koruma</translation>
    </message>
</context>
<context>
    <name>AuditPage</name>
    <message>
        <source>Last hour</source>
        <translation>Son bir saat</translation>
    </message>
    <message>
        <source>Last 24 hours</source>
        <translation>Son 24 saat</translation>
    </message>
    <message>
        <source>Last 7 days</source>
        <translation>Son 7 gün</translation>
    </message>
    <message>
        <source>Last 30 days</source>
        <translation>Son 30 gün</translation>
    </message>
    <message>
        <source>Everything</source>
        <translation>Tümü</translation>
    </message>
    <message>
        <source>All actions</source>
        <translation>Tüm işlemler</translation>
    </message>
    <message>
        <source>PLC writes</source>
        <translation>PLC yazmaları</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Ayarlar</translation>
    </message>
    <message>
        <source>Logins</source>
        <translation>Oturum açmalar</translation>
    </message>
    <message>
        <source>Users</source>
        <translation>Kullanıcılar</translation>
    </message>
    <message>
        <source>Alarms</source>
        <translation>Alarmlar</translation>
    </message>
    <message>
        <source>Backup and restore</source>
        <translation>Yedekleme ve geri yükleme</translation>
    </message>
    <message>
        <source>Mode</source>
        <translation>Mod</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Zaman</translation>
    </message>
    <message>
        <source>User</source>
        <translation>Kullanıcı</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>İşlem</translation>
    </message>
    <message>
        <source>Target</source>
        <translation>Hedef</translation>
    </message>
    <message>
        <source>Old</source>
        <translation>Eski</translation>
    </message>
    <message>
        <source>New</source>
        <translation>Yeni</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>Sonuç</translation>
    </message>
    <message>
        <source>Detail</source>
        <translation>Ayrıntı</translation>
    </message>
    <message>
        <source>Any result</source>
        <translation>Her sonuç</translation>
    </message>
    <message>
        <source>all users</source>
        <translation>tüm kullanıcılar</translation>
    </message>
    <message>
        <source>target or detail contains</source>
        <translation>hedef veya ayrıntı şunu içerir</translation>
    </message>
    <message>
        <source>Target or detail contains</source>
        <translation>Hedef veya ayrıntı şunu içerir</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Yenile</translation>
    </message>
    <message>
        <source>Export CSV</source>
        <translation>CSV dışa aktar</translation>
    </message>
    <message>
        <source>The audit trail cannot be read: %1</source>
        <translation>Denetim kaydı okunamıyor: %1</translation>
    </message>
    <message numerus="yes">
        <source>%n entries</source>
        <translation>
            <numerusform>%n kayıt</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Exported %n entries to %2</source>
        <translation>
            <numerusform>%n kayıt %2 konumuna aktarıldı</numerusform>
        </translation>
    </message>
    <message>
        <source>(newest shown; narrow the filters or export for all)</source>
        <translation>(en yeniler gösteriliyor; filtreleri daraltın veya tümü için dışa aktarın)</translation>
    </message>
    <message>
        <source>Export needs an engineer login</source>
        <translation>Dışa aktarma için mühendis girişi gerekir</translation>
    </message>
    <message>
        <source>Not permitted: %1 may not export</source>
        <translation>İzin yok: %1 dışa aktaramaz</translation>
    </message>
    <message>
        <source>Export audit trail</source>
        <translation>Denetim kaydını dışa aktar</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV dosyaları (*.csv)</translation>
    </message>
    <message>
        <source>Exporting to %1…</source>
        <translation>%1 konumuna aktarılıyor…</translation>
    </message>
    <message>
        <source>Export failed: %1</source>
        <translation>Dışa aktarma başarısız: %1</translation>
    </message>
</context>
<context>
    <name>BandLifePanel</name>
    <message>
        <source>Note about the band on the saw, e.g. why it came off</source>
        <translation>Testeredeki şerit hakkında not, örn. neden çıkarıldığı</translation>
    </message>
    <message>
        <source>Note about the band</source>
        <translation>Şerit hakkında not</translation>
    </message>
    <message>
        <source>Add note</source>
        <translation>Not ekle</translation>
    </message>
    <message>
        <source>Note not written: %1</source>
        <translation>Not yazılmadı: %1</translation>
    </message>
    <message>
        <source>Life used (estimated from the cuts)</source>
        <translation>Kullanılan ömür (kesimlerden tahmin)</translation>
    </message>
    <message>
        <source>Life remaining</source>
        <translation>Kalan ömür</translation>
    </message>
    <message>
        <source>Band history</source>
        <translation>Şerit geçmişi</translation>
    </message>
    <message>
        <source>Band</source>
        <translation>Şerit</translation>
    </message>
    <message>
        <source>Fitted</source>
        <translation>Takıldı</translation>
    </message>
    <message>
        <source>Taken off</source>
        <translation>Çıkarıldı</translation>
    </message>
    <message>
        <source>Why</source>
        <translation>Neden</translation>
    </message>
    <message>
        <source>Tooth breakages</source>
        <translation>Diş kırılmaları</translation>
    </message>
    <message>
        <source>Life used at removal</source>
        <translation>Çıkarılırken kullanılan ömür</translation>
    </message>
    <message>
        <source>From the rise of the band load at equal chip load: %1, %2, load up %3</source>
        <translation>Eşit talaş yükünde şerit yükünün artışından: %1, %2, yük %3 arttı</translation>
    </message>
    <message numerus="yes">
        <source>%n cuts</source>
        <translation>
            <numerusform>%n kesim</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n materials</source>
        <translation>
            <numerusform>%n malzeme</numerusform>
        </translation>
    </message>
    <message>
        <source>From the area cut against the set blade life: too few cuts (%1) or too little rise for the trend</source>
        <translation>Kesilen alanın ayarlı şerit ömrüne oranından: eğilim için kesim sayısı (%1) az veya artış yetersiz</translation>
    </message>
    <message>
        <source>Band id 0: no band id is set on the PLC, so every band&apos;s cuts count together. Set it at each band change.</source>
        <translation>Şerit no 0: PLC&apos;de şerit numarası ayarlı değil, tüm şeritlerin kesimleri birlikte sayılıyor. Her şerit değişiminde ayarlayın.</translation>
    </message>
    <message>
        <source>Tooth breakage</source>
        <translation>Diş kırılması</translation>
    </message>
    <message>
        <source>Worn (end of life)</source>
        <translation>Aşınmış (ömür sonu)</translation>
    </message>
    <message>
        <source>Band id changed</source>
        <translation>Şerit numarası değişti</translation>
    </message>
    <message>
        <source>On the saw</source>
        <translation>Testerede</translation>
    </message>
    <message>
        <source>No band id set (0)</source>
        <translation>Şerit numarası ayarlı değil (0)</translation>
    </message>
    <message>
        <source>Band life cannot be read: %1</source>
        <translation>Şerit ömrü okunamıyor: %1</translation>
    </message>
    <message>
        <source>Band life</source>
        <translation>Şerit ömrü</translation>
    </message>
    <message>
        <source>No band seen yet: no cut has been recorded with a band id.</source>
        <translation>Henüz şerit görülmedi: şerit numaralı kesim kaydedilmedi.</translation>
    </message>
    <message>
        <source>Band %1</source>
        <translation>Şerit %1</translation>
    </message>
    <message>
        <source>No cut on this band yet.</source>
        <translation>Bu şeritte henüz kesim yok.</translation>
    </message>
    <message>
        <source>%1 cm² left</source>
        <translation>%1 cm² kaldı</translation>
    </message>
    <message numerus="yes">
        <source>about %n cuts</source>
        <translation>
            <numerusform>yaklaşık %n kesim</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n cuts · %1 cm² cut · %2 h running</source>
        <translation>
            <numerusform>%n kesim · %1 cm² kesildi · %2 sa çalışma</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>CodeNames</name>
    <message>
        <source>viewer</source>
        <translation>izleyici</translation>
    </message>
    <message>
        <source>operator</source>
        <translation>operatör</translation>
    </message>
    <message>
        <source>engineer</source>
        <translation>mühendis</translation>
    </message>
    <message>
        <source>admin</source>
        <translation>yönetici</translation>
    </message>
    <message>
        <source>accepted</source>
        <translation>kabul edildi</translation>
    </message>
    <message>
        <source>clamped</source>
        <translation>sınırlandı</translation>
    </message>
    <message>
        <source>refused</source>
        <translation>reddedildi</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>başarısız</translation>
    </message>
    <message>
        <source>PLC write</source>
        <translation>PLC&apos;ye yazma</translation>
    </message>
    <message>
        <source>heartbeat</source>
        <translation>yaşam sinyali</translation>
    </message>
    <message>
        <source>setting</source>
        <translation>ayar</translation>
    </message>
    <message>
        <source>control mode</source>
        <translation>kontrol modu</translation>
    </message>
    <message>
        <source>band note</source>
        <translation>şerit notu</translation>
    </message>
    <message>
        <source>load ML model</source>
        <translation>ML modeli yükleme</translation>
    </message>
    <message>
        <source>operator speeds restored</source>
        <translation>operatör hızları geri yüklendi</translation>
    </message>
    <message>
        <source>PLC speeds kept</source>
        <translation>PLC hızları korundu</translation>
    </message>
    <message>
        <source>trust ML model key</source>
        <translation>ML model anahtarına güvenme</translation>
    </message>
    <message>
        <source>backup</source>
        <translation>yedekleme</translation>
    </message>
    <message>
        <source>restore</source>
        <translation>geri yükleme</translation>
    </message>
    <message>
        <source>archive</source>
        <translation>arşivleme</translation>
    </message>
    <message>
        <source>export</source>
        <translation>dışa aktarma</translation>
    </message>
    <message>
        <source>import (older system)</source>
        <translation>içe aktarma (eski sistem)</translation>
    </message>
    <message>
        <source>lost audit trail accepted</source>
        <translation>kayıp denetim izi kabul edildi</translation>
    </message>
    <message>
        <source>audit trail found missing</source>
        <translation>denetim kaydı eksik bulundu</translation>
    </message>
    <message>
        <source>user records sealed</source>
        <translation>kullanıcı kayıtları mühürlendi</translation>
    </message>
    <message>
        <source>lost users accepted</source>
        <translation>kaybolan kullanıcılar kabul edildi</translation>
    </message>
    <message>
        <source>lost users reported</source>
        <translation>kayıp kullanıcılar bildirildi</translation>
    </message>
    <message>
        <source>replay start</source>
        <translation>yeniden oynatma başladı</translation>
    </message>
    <message>
        <source>replay stop</source>
        <translation>yeniden oynatma durdu</translation>
    </message>
    <message>
        <source>login</source>
        <translation>oturum açma</translation>
    </message>
    <message>
        <source>failed login</source>
        <translation>başarısız oturum açma</translation>
    </message>
    <message>
        <source>logout</source>
        <translation>oturum kapatma</translation>
    </message>
    <message>
        <source>user added</source>
        <translation>kullanıcı eklendi</translation>
    </message>
    <message>
        <source>PIN changed</source>
        <translation>PIN değişti</translation>
    </message>
    <message>
        <source>user enabled</source>
        <translation>kullanıcı etkinleştirildi</translation>
    </message>
    <message>
        <source>user disabled</source>
        <translation>kullanıcı devre dışı bırakıldı</translation>
    </message>
    <message>
        <source>role changed</source>
        <translation>rol değişti</translation>
    </message>
    <message>
        <source>alarm acknowledged</source>
        <translation>alarm onaylandı</translation>
    </message>
    <message>
        <source>alarm shelved</source>
        <translation>alarm rafa kaldırıldı</translation>
    </message>
    <message>
        <source>alarm unshelved</source>
        <translation>alarm raftan indirildi</translation>
    </message>
    <message>
        <source>alarm out of service</source>
        <translation>alarm servis dışı</translation>
    </message>
    <message>
        <source>alarm back in service</source>
        <translation>alarm yeniden serviste</translation>
    </message>
    <message>
        <source>view</source>
        <translation>görüntüleme</translation>
    </message>
    <message>
        <source>acknowledge alarm</source>
        <translation>alarm onaylama</translation>
    </message>
    <message>
        <source>shelve alarm</source>
        <translation>alarmı rafa kaldırma</translation>
    </message>
    <message>
        <source>speed preset</source>
        <translation>hız ön ayarı</translation>
    </message>
    <message>
        <source>ML on/off</source>
        <translation>ML aç/kapat</translation>
    </message>
    <message>
        <source>control settings</source>
        <translation>kontrol ayarları</translation>
    </message>
    <message>
        <source>torque guard settings</source>
        <translation>tork koruması ayarları</translation>
    </message>
    <message>
        <source>ML settings</source>
        <translation>ML ayarları</translation>
    </message>
    <message>
        <source>verify backup</source>
        <translation>yedek doğrulama</translation>
    </message>
    <message>
        <source>leave kiosk</source>
        <translation>kiosktan çıkış</translation>
    </message>
    <message>
        <source>manage users</source>
        <translation>kullanıcı yönetimi</translation>
    </message>
    <message>
        <source>restore with users</source>
        <translation>kullanıcılarla birlikte geri yükleme</translation>
    </message>
    <message>
        <source>replay</source>
        <translation>yeniden oynatma</translation>
    </message>
    <message>
        <source>enabled</source>
        <translation>etkin</translation>
    </message>
    <message>
        <source>disabled</source>
        <translation>devre dışı</translation>
    </message>
    <message>
        <source>manual</source>
        <translation>manuel</translation>
    </message>
    <message>
        <source>ML</source>
        <translation>ML</translation>
    </message>
    <message>
        <source>normal</source>
        <translation>normal</translation>
    </message>
    <message>
        <source>unacknowledged</source>
        <translation>onaylanmadı</translation>
    </message>
    <message>
        <source>acknowledged</source>
        <translation>onaylandı</translation>
    </message>
    <message>
        <source>cleared, unacknowledged</source>
        <translation>temizlendi, onaylanmadı</translation>
    </message>
    <message>
        <source>shelved</source>
        <translation>rafa kaldırıldı</translation>
    </message>
    <message>
        <source>out of service</source>
        <translation>servis dışı</translation>
    </message>
    <message>
        <source>completed</source>
        <translation>tamamlandı</translation>
    </message>
    <message>
        <source>aborted</source>
        <translation>yarıda kesildi</translation>
    </message>
    <message>
        <source>interrupted</source>
        <translation>kesintiye uğradı</translation>
    </message>
    <message>
        <source>ended in error</source>
        <translation>hatayla bitti</translation>
    </message>
</context>
<context>
    <name>CoefficientBar</name>
    <message>
        <source>−1 slower</source>
        <translation>−1 daha yavaş</translation>
    </message>
    <message>
        <source>faster +1</source>
        <translation>daha hızlı +1</translation>
    </message>
</context>
<context>
    <name>ControlPage</name>
    <message>
        <source>initial delay</source>
        <translation>başlangıç gecikmesi</translation>
    </message>
    <message>
        <source>holding the speeds</source>
        <translation>hızlar tutuluyor</translation>
    </message>
    <message>
        <source>model deciding</source>
        <translation>model karar veriyor</translation>
    </message>
    <message>
        <source>model changed the speeds</source>
        <translation>model hızları değiştirdi</translation>
    </message>
    <message>
        <source>torque guard cut the descent speed</source>
        <translation>tork koruması iniş hızını düşürdü</translation>
    </message>
    <message>
        <source>restoring the operator&apos;s speeds</source>
        <translation>operatörün hızları geri yükleniyor</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>durdu</translation>
    </message>
    <message>
        <source>write refused</source>
        <translation>yazma reddedildi</translation>
    </message>
    <message>
        <source>Control mode</source>
        <translation>Kontrol modu</translation>
    </message>
    <message>
        <source>ML speed control</source>
        <translation>ML hız kontrolü</translation>
    </message>
    <message>
        <source>Model output (coefficient)</source>
        <translation>Model çıktısı (katsayı)</translation>
    </message>
    <message>
        <source>Torque guard</source>
        <translation>Tork koruması</translation>
    </message>
    <message>
        <source>Live model inputs (last decision)</source>
        <translation>Canlı model girdileri (son karar)</translation>
    </message>
    <message>
        <source>events since start</source>
        <translation>başlangıçtan beri olay</translation>
    </message>
    <message>
        <source>Decisions</source>
        <translation>Kararlar</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Model</translation>
    </message>
    <message>
        <source>Torque guard settings</source>
        <translation>Tork koruması ayarları</translation>
    </message>
    <message>
        <source>%1  (held)</source>
        <translation>%1  (tutuldu)</translation>
    </message>
    <message>
        <source>cutting</source>
        <translation>kesme</translation>
    </message>
    <message>
        <source>descent</source>
        <translation>iniş</translation>
    </message>
    <message>
        <source>in a cut</source>
        <translation>kesimde</translation>
    </message>
    <message>
        <source>no cut</source>
        <translation>kesim yok</translation>
    </message>
    <message>
        <source>%1, ML controlling</source>
        <translation>%1, ML kontrol ediyor</translation>
    </message>
    <message>
        <source>%1; operator speeds saved: %2</source>
        <translation>%1; operatör hızları kaydedildi: %2</translation>
    </message>
    <message>
        <source>The engine is not running.</source>
        <translation>Motor çalışmıyor.</translation>
    </message>
    <message>
        <source>ML unavailable</source>
        <translation>ML kullanılamıyor</translation>
    </message>
    <message>
        <source>ML unavailable: the engine is not running</source>
        <translation>ML kullanılamıyor: motor çalışmıyor</translation>
    </message>
    <message>
        <source>ML</source>
        <translation>ML</translation>
    </message>
    <message>
        <source>MANUAL</source>
        <translation>MANUEL</translation>
    </message>
    <message>
        <source>controlling the cut</source>
        <translation>kesimi kontrol ediyor</translation>
    </message>
    <message>
        <source>cut starting</source>
        <translation>kesim başlıyor</translation>
    </message>
    <message>
        <source>waiting for a cut</source>
        <translation>kesim bekleniyor</translation>
    </message>
    <message>
        <source>ML %1</source>
        <translation>ML %1</translation>
    </message>
    <message>
        <source>Manual; the PLC still holds the speeds ML set before the engine stopped</source>
        <translation>Manuel; PLC, motor durmadan önce ML&apos;nin ayarladığı hızları hâlâ tutuyor</translation>
    </message>
    <message>
        <source>Operator&apos;s speeds (manual)</source>
        <translation>Operatörün hızları (manuel)</translation>
    </message>
    <message>
        <source>ML stopped: %1</source>
        <translation>ML durdu: %1</translation>
    </message>
    <message>
        <source>Switch ML off</source>
        <translation>ML&apos;yi kapat</translation>
    </message>
    <message>
        <source>Back to manual at once; your speeds are restored.</source>
        <translation>Hemen manuele dönülür; hızlarınız geri yüklenir.</translation>
    </message>
    <message>
        <source>Switch ML on</source>
        <translation>ML&apos;yi aç</translation>
    </message>
    <message>
        <source>Torque guard DISABLED (Torque guard settings)</source>
        <translation>Tork koruması DEVRE DIŞI (Tork koruması ayarları)</translation>
    </message>
    <message>
        <source>No guard event recorded</source>
        <translation>Kayıtlı koruma olayı yok</translation>
    </message>
    <message>
        <source>Last change %1: %2</source>
        <translation>Son değişiklik %1: %2</translation>
    </message>
    <message>
        <source>Last change %1 %2 → %3 by %4</source>
        <translation>Son değişiklik %1 %2 → %3, %4 tarafından</translation>
    </message>
    <message>
        <source>Last: %1  %2</source>
        <translation>Son: %1  %2</translation>
    </message>
    <message>
        <source>Switch ML on? During each cut the model adjusts the speeds; your speeds are saved and put back when the cut ends.</source>
        <translation>ML açılsın mı? Her kesimde model hızları ayarlar; hızlarınız kaydedilir ve kesim bitince geri yüklenir.</translation>
    </message>
    <message>
        <source>Not permitted: %1 may not switch ML mode.</source>
        <translation>İzin yok: %1 ML modunu değiştiremez.</translation>
    </message>
    <message>
        <source>ML refused: %1</source>
        <translation>ML reddedildi: %1</translation>
    </message>
    <message>
        <source>Yes, switch ML on</source>
        <translation>Evet, ML&apos;yi aç</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>İptal</translation>
    </message>
    <message>
        <source>ML mode on.</source>
        <translation>ML modu açık.</translation>
    </message>
    <message>
        <source>ML mode off: manual, operator speeds.</source>
        <translation>ML modu kapalı: manuel, operatör hızları.</translation>
    </message>
    <message>
        <source>Manual refused: %1</source>
        <translation>Manuel reddedildi: %1</translation>
    </message>
    <message>
        <source>Not permitted: %1 may not do this (engineer only).</source>
        <translation>İzin yok: %1 bunu yapamaz (yalnızca mühendis).</translation>
    </message>
</context>
<context>
    <name>CoreTexts</name>
    <message>
        <source>Wrong name or PIN</source>
        <translation>Ad veya PIN yanlış</translation>
    </message>
    <message>
        <source>Too many failed attempts: try again in {seconds:.0f} s</source>
        <translation>Çok fazla başarısız deneme: {seconds:.0f} sn sonra yeniden deneyin</translation>
    </message>
    <message>
        <source>Users database unusable: logins and engineer functions refused (see the log)</source>
        <translation>Kullanıcı veritabanı kullanılamıyor: oturum açma ve mühendis işlevleri reddedildi (günlüğe bakın)</translation>
    </message>
    <message>
        <source>{user}&apos;s entry in the users database was changed outside the program: refused (call the administrator)</source>
        <translation>{user} kullanıcısının kullanıcı veritabanındaki kaydı program dışında değiştirilmiş: reddedildi (yöneticiyi çağırın)</translation>
    </message>
    <message>
        <source>The audit trail shows users this users database does not have ({names}): restore it from a backup (call the administrator)</source>
        <translation>Denetim kaydı, bu kullanıcı veritabanında olmayan kullanıcılar gösteriyor ({names}): yedekten geri yükleyin (yöneticiyi çağırın)</translation>
    </message>
    <message>
        <source>Users database changed outside the program: {detail}</source>
        <translation>Kullanıcı veritabanı program dışında değiştirilmiş: {detail}</translation>
    </message>
    <message>
        <source>unknown action &apos;{permission}&apos;</source>
        <translation>bilinmeyen işlem &apos;{permission}&apos;</translation>
    </message>
    <message>
        <source>&apos;{user}&apos; is an engine actor and may not {permission}</source>
        <translation>&apos;{user}&apos; bir motor aktörüdür, şunu yapamaz: {permission}</translation>
    </message>
    <message>
        <source>{permission} needs {need_role} rights; nobody is logged in (view only): log in first</source>
        <translation>{permission} için {need_role} yetkisi gerekir; kimse oturum açmadı (yalnızca izleme): önce oturum açın</translation>
    </message>
    <message>
        <source>{permission} needs {need_role} rights; nobody is logged in ({role} view): log in first</source>
        <translation>{permission} için {need_role} yetkisi gerekir; kimse oturum açmadı ({role} görünümü): önce oturum açın</translation>
    </message>
    <message>
        <source>{user} is not logged in</source>
        <translation>{user} oturum açmamış</translation>
    </message>
    <message>
        <source>{user} is disabled</source>
        <translation>{user} devre dışı</translation>
    </message>
    <message>
        <source>{permission} needs {need_role} rights; {user} is {role}</source>
        <translation>{permission} için {need_role} yetkisi gerekir; {user} kullanıcısı {role}</translation>
    </message>
    <message>
        <source>user name &apos;{name}&apos;: 2-32 characters, a letter first, then letters, digits, &apos;_&apos;, &apos;.&apos;, &apos;-&apos;</source>
        <translation>kullanıcı adı &apos;{name}&apos;: 2-32 karakter, önce bir harf, sonra harf, rakam, &apos;_&apos;, &apos;.&apos;, &apos;-&apos;</translation>
    </message>
    <message>
        <source>user name &apos;{name}&apos; is reserved for the program</source>
        <translation>&apos;{name}&apos; kullanıcı adı programa ayrılmıştır</translation>
    </message>
    <message>
        <source>role &apos;{name}&apos;: use one of {roles}</source>
        <translation>rol &apos;{name}&apos;: şunlardan birini kullanın: {roles}</translation>
    </message>
    <message>
        <source>PIN/password too short: at least {count:d} characters</source>
        <translation>PIN/parola çok kısa: en az {count:d} karakter</translation>
    </message>
    <message>
        <source>PIN/password: no leading/trailing spaces or control characters</source>
        <translation>PIN/parola: başta/sonda boşluk veya kontrol karakteri olamaz</translation>
    </message>
    <message>
        <source>user &apos;{name}&apos; exists already</source>
        <translation>&apos;{name}&apos; kullanıcısı zaten var</translation>
    </message>
    <message>
        <source>an admin exists already: log in as admin to add users</source>
        <translation>zaten bir yönetici var: kullanıcı eklemek için yönetici olarak oturum açın</translation>
    </message>
    <message>
        <source>user &apos;{name}&apos; exists already (not as an enabled admin)</source>
        <translation>&apos;{name}&apos; kullanıcısı zaten var (etkin bir yönetici olarak değil)</translation>
    </message>
    <message>
        <source>&apos;{name}&apos; is the last enabled admin: enable or add another admin first</source>
        <translation>&apos;{name}&apos; son etkin yönetici: önce başka bir yöneticiyi etkinleştirin veya ekleyin</translation>
    </message>
    <message>
        <source>&apos;{name}&apos; is the last enabled admin: make another admin first</source>
        <translation>&apos;{name}&apos; son etkin yönetici: önce başka birini yönetici yapın</translation>
    </message>
    <message>
        <source>no user &apos;{name}&apos;</source>
        <translation>&apos;{name}&apos; adında kullanıcı yok</translation>
    </message>
    <message>
        <source>role {role}</source>
        <translation>rol {role}</translation>
    </message>
    <message>
        <source>role {role} (session renewed)</source>
        <translation>rol {role} (oturum yenilendi)</translation>
    </message>
    <message>
        <source>first admin</source>
        <translation>ilk yönetici</translation>
    </message>
    <message>
        <source>logged out</source>
        <translation>oturum kapatıldı</translation>
    </message>
    <message>
        <source>user disabled or removed</source>
        <translation>kullanıcı devre dışı veya silindi</translation>
    </message>
    <message>
        <source>wrong name or PIN</source>
        <translation>yanlış ad veya PIN</translation>
    </message>
    <message>
        <source>disabled</source>
        <translation>kullanıcı devre dışı</translation>
    </message>
    <message>
        <source>{count:d} in a row</source>
        <translation>üst üste {count:d}</translation>
    </message>
    <message>
        <source>wrong PIN, {count:d} in a row</source>
        <translation>yanlış PIN, üst üste {count:d}</translation>
    </message>
    <message>
        <source>locked for {seconds:.0f} s</source>
        <translation>{seconds:.0f} sn kilitli</translation>
    </message>
    <message>
        <source>locked out, {seconds:.0f} s left</source>
        <translation>kilitli, {seconds:.0f} sn kaldı</translation>
    </message>
    <message>
        <source>command line, os user {os_user}</source>
        <translation>komut satırı, işletim sistemi kullanıcısı {os_user}</translation>
    </message>
    <message>
        <source>PIN/password changed</source>
        <translation>PIN/parola değiştirildi</translation>
    </message>
    <message>
        <source>lock-out cleared</source>
        <translation>kilit kaldırıldı</translation>
    </message>
    <message>
        <source>requested {value:g}</source>
        <translation>istenen {value:g}</translation>
    </message>
    <message>
        <source>reason: preset {preset}</source>
        <translation>neden: {preset} ön ayarı</translation>
    </message>
    <message>
        <source>{user} logged in at this screen</source>
        <translation>{user} bu ekranda oturum açtı</translation>
    </message>
    <message>
        <source>inactivity ({seconds:g} s)</source>
        <translation>hareketsizlik ({seconds:g} sn)</translation>
    </message>
    <message>
        <source>program stopped</source>
        <translation>program durduruldu</translation>
    </message>
    <message>
        <source>disabled by {user}</source>
        <translation>{user} tarafından devre dışı bırakıldı</translation>
    </message>
    <message>
        <source>cannot connect to {address}: refused or no answer within {seconds:g} s</source>
        <translation>{address} adresine bağlanılamıyor: reddedildi veya {seconds:g} sn içinde yanıt yok</translation>
    </message>
    <message>
        <source>the engine is not answering ({seconds:g} s)</source>
        <translation>motor yanıt vermiyor ({seconds:g} sn)</translation>
    </message>
    <message>
        <source>PLC link lost: {error}</source>
        <translation>PLC bağlantısı koptu: {error}</translation>
    </message>
    <message>
        <source>no answer</source>
        <translation>yanıt yok</translation>
    </message>
    <message>
        <source>cannot connect to {address}: {error}</source>
        <translation>{address} adresine bağlanılamıyor: {error}</translation>
    </message>
    <message>
        <source>no answer within {seconds:g} s</source>
        <translation>{seconds:g} sn içinde yanıt yok</translation>
    </message>
    <message>
        <source>not connected</source>
        <translation>bağlı değil</translation>
    </message>
    <message>
        <source>waiting to retry after: {error}</source>
        <translation>yeniden denemek için bekleniyor, son hata: {error}</translation>
    </message>
    <message>
        <source>not reachable: {error}</source>
        <translation>erişilemiyor: {error}</translation>
    </message>
    <message>
        <source>the engine is not running</source>
        <translation>motor (veri toplama) çalışmıyor</translation>
    </message>
    <message>
        <source>nothing to acknowledge</source>
        <translation>onaylanacak bir şey yok</translation>
    </message>
    <message>
        <source>that alarm cannot be shelved now</source>
        <translation>bu alarm şu anda rafa kaldırılamaz</translation>
    </message>
    <message>
        <source>that alarm is not shelved</source>
        <translation>bu alarm rafta değil</translation>
    </message>
    <message>
        <source>no change: the alarm is already so</source>
        <translation>değişiklik yok: alarm zaten bu durumda</translation>
    </message>
    <message>
        <source>no band known yet: the PLC&apos;s band id has not been read</source>
        <translation>henüz bilinen şerit yok: PLC&apos;nin şerit numarası okunmadı</translation>
    </message>
    <message>
        <source>band id {band:d} is outside 0..65535</source>
        <translation>şerit numarası {band:d}, 0..65535 aralığının dışında</translation>
    </message>
    <message>
        <source>replay is running ({label}): nothing is written to the PLC during replay; go back to live first</source>
        <translation>yeniden oynatma sürüyor ({label}): yeniden oynatma sırasında PLC&apos;ye hiçbir şey yazılmaz; önce canlıya dönün</translation>
    </message>
    <message>
        <source>no replay is running</source>
        <translation>çalışan bir yeniden oynatma yok</translation>
    </message>
    <message>
        <source>speed {speed:g}x is outside {low:g}x to {high:g}x</source>
        <translation>{speed:g}x hızı {low:g}x ile {high:g}x aralığının dışında</translation>
    </message>
    <message>
        <source>the period ends ({end_ms}) before it starts ({start_ms})</source>
        <translation>süre başlamadan ({start_ms}) önce bitiyor ({end_ms})</translation>
    </message>
    <message>
        <source>no recorded samples from {start_ms} to {end_ms}</source>
        <translation>{start_ms} ile {end_ms} arasında kayıtlı örnek yok</translation>
    </message>
    <message>
        <source>no recorded samples from {start_ms} to {end_ms}: nothing has been recorded yet</source>
        <translation>{start_ms} ile {end_ms} arasında kayıtlı örnek yok: henüz hiçbir şey kaydedilmedi</translation>
    </message>
    <message>
        <source>no recorded samples from {start_ms} to {end_ms}; the recording holds {first_ms} to {last_ms}</source>
        <translation>{start_ms} ile {end_ms} arasında kayıtlı örnek yok; kayıt {first_ms} ile {last_ms} arasını kapsıyor</translation>
    </message>
    <message>
        <source>no recording from {start_ms} to {end_ms}: skipped</source>
        <translation>{start_ms} ile {end_ms} arasında kayıt yok: atlandı</translation>
    </message>
    <message>
        <source>cannot read the recorded samples: {error}</source>
        <translation>kayıtlı örnekler okunamıyor: {error}</translation>
    </message>
    <message>
        <source>ML controls the speeds: switch to manual first (nothing may be written to the PLC during replay)</source>
        <translation>Hızları ML kontrol ediyor: önce manuele geçin (yeniden oynatma sırasında PLC&apos;ye hiçbir şey yazılamaz)</translation>
    </message>
    <message>
        <source>the engine has stopped</source>
        <translation>motor (veri toplama) durdu</translation>
    </message>
    <message>
        <source>the engine process ended (exit code {code})</source>
        <translation>motor (veri toplama) süreci sona erdi (çıkış kodu {code})</translation>
    </message>
    <message>
        <source>a reason is required to shelve an alarm</source>
        <translation>bir alarmı rafa kaldırmak için neden gerekir</translation>
    </message>
    <message>
        <source>a reason is required</source>
        <translation>bir neden gerekir</translation>
    </message>
    <message>
        <source>not applied: not a set of names and values</source>
        <translation>uygulanmadı: ad ve değer kümesi değil</translation>
    </message>
    <message>
        <source>not tunable while running: {names}</source>
        <translation>çalışırken ayarlanamaz: {names}</translation>
    </message>
    <message>
        <source>no such setting: {names}</source>
        <translation>böyle bir ayar yok: {names}</translation>
    </message>
    <message>
        <source>not applied: {error}</source>
        <translation>uygulanmadı: {error}</translation>
    </message>
    <message>
        <source>ML is controlling a cut: switch ML off or wait for the cut to end</source>
        <translation>ML bir kesimi kontrol ediyor: ML&apos;yi kapatın veya kesimin bitmesini bekleyin</translation>
    </message>
    <message>
        <source>unknown mode &apos;{mode}&apos;: manual or ml</source>
        <translation>bilinmeyen mod &apos;{mode}&apos;: manuel veya ML</translation>
    </message>
    <message>
        <source>ML unavailable: {error}</source>
        <translation>ML kullanılamıyor: {error}</translation>
    </message>
    <message>
        <source>no usable ML model loaded</source>
        <translation>kullanılabilir ML modeli yüklü değil</translation>
    </message>
    <message>
        <source>already {mode}</source>
        <translation>zaten {mode}</translation>
    </message>
    <message>
        <source>the note is empty</source>
        <translation>not boş</translation>
    </message>
    <message>
        <source>the note is longer than {limit:d} characters ({count:d})</source>
        <translation>not {limit:d} karakterden uzun ({count:d})</translation>
    </message>
    <message>
        <source>unknown preset &apos;{preset}&apos;; known: {known}</source>
        <translation>bilinmeyen ön ayar &apos;{preset}&apos;; bilinenler: {known}</translation>
    </message>
    <message>
        <source>not restored: {error}</source>
        <translation>geri yüklenmedi: {error}</translation>
    </message>
    <message>
        <source>restored {what} in {seconds:.1f} s</source>
        <translation>{what} {seconds:.1f} sn içinde geri yüklendi</translation>
    </message>
    <message>
        <source>not archived: {error}</source>
        <translation>arşivlenmedi: {error}</translation>
    </message>
    <message>
        <source>not exported: {error}</source>
        <translation>dışa aktarılmadı: {error}</translation>
    </message>
    <message>
        <source>cannot compute the production figures: {error}</source>
        <translation>üretim rakamları hesaplanamıyor: {error}</translation>
    </message>
    <message>
        <source>cannot read the alarm history: {error}</source>
        <translation>alarm geçmişi okunamıyor: {error}</translation>
    </message>
    <message>
        <source>cannot read the cut records: {error}</source>
        <translation>kesim kayıtları okunamıyor: {error}</translation>
    </message>
    <message>
        <source>cannot read the band life: {error}</source>
        <translation>şerit ömrü okunamıyor: {error}</translation>
    </message>
    <message>
        <source>cannot read the audit trail: {error}</source>
        <translation>denetim kaydı okunamıyor: {error}</translation>
    </message>
    <message>
        <source>cannot read the users: {error}</source>
        <translation>kullanıcılar okunamıyor: {error}</translation>
    </message>
    <message>
        <source>cannot read the backups: {error}</source>
        <translation>yedekler okunamıyor: {error}</translation>
    </message>
    <message>
        <source>cannot read the models: {error}</source>
        <translation>modeller okunamıyor: {error}</translation>
    </message>
    <message>
        <source>{value} is not a number</source>
        <translation>{value} bir sayı değil</translation>
    </message>
    <message>
        <source>no allowed range: minimum {low:g} is above maximum {high:g}</source>
        <translation>izin verilen aralık yok: en düşük {low:g}, en yüksek {high:g} değerinin üstünde</translation>
    </message>
    <message>
        <source>raised to the minimum {low:g}{unit}</source>
        <translation>en düşük değere yükseltildi: {low:g}{unit}</translation>
    </message>
    <message>
        <source>lowered to the maximum {high:g}{unit}</source>
        <translation>en yüksek değere düşürüldü: {high:g}{unit}</translation>
    </message>
    <message>
        <source>the PLC&apos;s current value is unknown, so the step cannot be limited</source>
        <translation>PLC&apos;nin güncel değeri bilinmiyor, bu yüzden adım sınırlanamaz</translation>
    </message>
    <message>
        <source>step limit: the {step:g}{unit} allowed per second is used up</source>
        <translation>adım sınırı: saniyede izin verilen {step:g}{unit} kullanıldı</translation>
    </message>
    <message>
        <source>step limited to +{allowed:g}{unit} ({step:g}{unit}/s)</source>
        <translation>adım +{allowed:g}{unit} ile sınırlandı ({step:g}{unit}/sn)</translation>
    </message>
    <message>
        <source>step limited to -{allowed:g}{unit} ({step:g}{unit}/s)</source>
        <translation>adım -{allowed:g}{unit} ile sınırlandı ({step:g}{unit}/sn)</translation>
    </message>
    <message>
        <source>{name} is {current:g}{unit} on the PLC, outside the allowed {low:g}..{high:g}{unit}: a write would step {distance:g}{unit}, more than the {step:g}{unit} allowed per second; set {name} within {low:g}..{high:g}{unit} at the panel first</source>
        <translation>PLC&apos;de {name} {current:g}{unit}, izin verilen {low:g}..{high:g}{unit} aralığının dışında: bir yazma {distance:g}{unit} adım atardı, saniyede izin verilen {step:g}{unit} değerinden fazla; önce {name} değerini panelden {low:g}..{high:g}{unit} aralığına getirin</translation>
    </message>
    <message>
        <source>step limit: {name} is {current:g}{unit} on the PLC, {distance:g}{unit} outside {low:g}..{high:g}{unit}; only {allowed:g}{unit} may change now</source>
        <translation>adım sınırı: PLC&apos;de {name} {current:g}{unit}, {low:g}..{high:g}{unit} aralığının {distance:g}{unit} dışında; şu an yalnızca {allowed:g}{unit} değişebilir</translation>
    </message>
    <message>
        <source>next change to {name} allowed in {wait:.0f} ms</source>
        <translation>{name} için sonraki değişikliğe {wait:.0f} ms sonra izin var</translation>
    </message>
    <message>
        <source>no value {name} can hold lies in {low:g}..{high:g}{unit}</source>
        <translation>{name} yazmacının alabileceği hiçbir değer {low:g}..{high:g}{unit} aralığında değil</translation>
    </message>
    <message>
        <source>no register named &apos;{name}&apos;</source>
        <translation>&apos;{name}&apos; adında yazmaç yok</translation>
    </message>
    <message>
        <source>{name} is read-only</source>
        <translation>{name} salt okunur</translation>
    </message>
    <message>
        <source>write rate limit: next write to {name} allowed in {wait:.0f} ms</source>
        <translation>yazma hızı sınırı: {name} yazmacına sonraki yazma {wait:.0f} ms sonra</translation>
    </message>
    <message>
        <source>the last write to {name} is unconfirmed: waiting for a fresh PLC value</source>
        <translation>{name} yazmacına son yazma doğrulanmadı: PLC&apos;den yeni değer bekleniyor</translation>
    </message>
    <message>
        <source>no fresh value of {name} from the PLC</source>
        <translation>PLC&apos;den {name} için yeni değer yok</translation>
    </message>
    <message>
        <source>ML is writing {name} now: the next write to it is allowed in {wait:.0f} ms (switch ML off on the Control page to set it by hand)</source>
        <translation>{name} yazmacını şu anda ML yazıyor: bir sonraki yazmaya {wait:.0f} ms sonra izin var (elle ayarlamak için Kontrol sayfasında ML&apos;yi kapatın)</translation>
    </message>
    <message>
        <source>users.db rows protected by their MACs</source>
        <translation>users.db kayıtları MAC&apos;leriyle korundu</translation>
    </message>
    <message>
        <source>users.db rows without MACs not sealed: {detail}: its MACs were removed</source>
        <translation>MAC&apos;siz users.db kayıtları mühürlenmedi: {detail}: MAC&apos;leri silinmiş</translation>
    </message>
    <message>
        <source>MACs given to the {count:d} users of a users.db from before rows were protected: {names}</source>
        <translation>Kayıt korumasından önceki bir users.db&apos;nin {count:d} kullanıcısına MAC verildi: {names}</translation>
    </message>
    <message>
        <source>operator switched ML on</source>
        <translation>operatör ML&apos;yi açtı</translation>
    </message>
    <message>
        <source>operator switched ML off</source>
        <translation>operatör ML&apos;yi kapattı</translation>
    </message>
    <message>
        <source>engine started in {mode}</source>
        <translation>motor (veri toplama) {mode} modunda başladı</translation>
    </message>
    <message>
        <source>operator chose manual</source>
        <translation>operatör manueli seçti</translation>
    </message>
    <message>
        <source>operator speeds</source>
        <translation>operatör hızları</translation>
    </message>
    <message>
        <source>operator speeds (done)</source>
        <translation>operatör hızları (tamam)</translation>
    </message>
    <message>
        <source>descent to {speed:.1f} mm/min</source>
        <translation>iniş {speed:.1f} mm/dk&apos;ya</translation>
    </message>
    <message>
        <source>chip {now:.2f} -&gt; {chip:.2f} um ({detail}; window top {top:.2f} um of {source}), band {band:g} m/min</source>
        <translation>talaş {now:.2f} → {chip:.2f} µm ({detail}; pencere üstü {top:.2f} µm, {source}), şerit {band:g} m/dk</translation>
    </message>
    <message>
        <source>entry (load not measured yet)</source>
        <translation>giriş (yük henüz ölçülmedi)</translation>
    </message>
    <message>
        <source>chip window</source>
        <translation>talaş penceresi</translation>
    </message>
    <message>
        <source>load {percent:g} %</source>
        <translation>yük %{percent:g}</translation>
    </message>
    <message>
        <source>window bottom</source>
        <translation>pencere altı</translation>
    </message>
    <message>
        <source>grade {grade:g}</source>
        <translation>malzeme kalitesi {grade:g}</translation>
    </message>
    <message>
        <source>hardness class {hardness:g}</source>
        <translation>sertlik sınıfı {hardness:g}</translation>
    </message>
    <message>
        <source>speeds, pitch, hardness or head position unknown</source>
        <translation>hızlar, diş adımı, sertlik veya kafa konumu bilinmiyor</translation>
    </message>
    <message>
        <source>no chip window for hardness class {hardness:g}</source>
        <translation>sertlik sınıfı {hardness:g} için talaş penceresi yok</translation>
    </message>
    <message>
        <source>section dimensions unknown</source>
        <translation>kesit ölçüleri bilinmiyor</translation>
    </message>
    <message>
        <source>features not ready</source>
        <translation>model girdileri hazır değil</translation>
    </message>
    <message>
        <source>initial delay {elapsed:.1f}/{needed:.1f} s</source>
        <translation>başlangıç gecikmesi {elapsed:.1f}/{needed:.1f} sn</translation>
    </message>
    <message>
        <source>head height unknown</source>
        <translation>kafa yüksekliği bilinmiyor</translation>
    </message>
    <message>
        <source>initial descent {descended:.1f}/{needed:.1f} mm</source>
        <translation>başlangıç inişi {descended:.1f}/{needed:.1f} mm</translation>
    </message>
    <message>
        <source>torque rose {rise:.0f} % within {lookback:g} mm of descent ({before:.1f} -&gt; {now:.1f} %): descent speed cut to {factor:.0f} %</source>
        <translation>tork {lookback:g} mm inişte %{rise:.0f} arttı (%{before:.1f} → %{now:.1f}): iniş hızı %{factor:.0f} düzeyine düşürüldü</translation>
    </message>
    <message>
        <source>operator set {name} {old:g} -&gt; {new:g} on the PLC panel</source>
        <translation>operatör {name} değerini PLC panelinde {old:g} → {new:g} yaptı</translation>
    </message>
    <message>
        <source>operator set {name} {old:g} -&gt; {new:g} in the HMI</source>
        <translation>operatör {name} değerini HMI&apos;da {old:g} → {new:g} yaptı</translation>
    </message>
    <message>
        <source>operator set {name} {old:g} -&gt; {new:g}</source>
        <translation>operatör {name} değerini {old:g} → {new:g} yaptı</translation>
    </message>
    <message>
        <source>ML pauses for this cut ({count:d} overrides)</source>
        <translation>ML bu kesimde duraklıyor ({count:d} müdahale)</translation>
    </message>
    <message>
        <source>not restored</source>
        <translation>geri getirilmedi</translation>
    </message>
    <message>
        <source>stale data ({detail})</source>
        <translation>eski veri ({detail})</translation>
    </message>
    <message>
        <source>newest sample {age:.2f} s old, {quality}</source>
        <translation>en yeni örnek {age:.2f} sn önce, {quality}</translation>
    </message>
    <message>
        <source>saw state unknown</source>
        <translation>testere durumu bilinmiyor</translation>
    </message>
    <message>
        <source>restore of {name} failed: {detail}</source>
        <translation>{name} geri yüklenemedi: {detail}</translation>
    </message>
    <message>
        <source>write of {name} failed: {detail}</source>
        <translation>{name} yazılamadı: {detail}</translation>
    </message>
    <message>
        <source>no model loaded</source>
        <translation>yüklü model yok</translation>
    </message>
    <message>
        <source>load stayed above the ceiling: {detail}</source>
        <translation>yük tavanın üstünde kaldı: {detail}</translation>
    </message>
    <message>
        <source>{signal} {value:.1f}{unit} above the ceiling {limit:g}{unit} for {for_s:.1f} s</source>
        <translation>{signal} {value:.1f}{unit}, {for_s:.1f} sn boyunca {limit:g}{unit} tavanının üstünde</translation>
    </message>
    <message>
        <source>Load ceiling: {detail}; descent cut</source>
        <translation>Yük tavanı: {detail}; iniş hızı düşürüldü</translation>
    </message>
    <message>
        <source>descent already cut</source>
        <translation>iniş hızı zaten düşürüldü</translation>
    </message>
    <message>
        <source>no planned time in this period (no shift falls in it)</source>
        <translation>bu dönemde planlı süre yok (hiçbir vardiyaya denk gelmiyor)</translation>
    </message>
    <message>
        <source>no data for {machine}, {period}: nothing recorded in this period, figures left blank</source>
        <translation>{machine}, {period} için veri yok: bu dönemde kayıt yok, rakamlar boş bırakıldı</translation>
    </message>
    <message>
        <source>no data for {missing:.1f} % of planned time ({missing_h:.2f} h): availability is over the {data_h:.2f} h with data</source>
        <translation>planlı sürenin %{missing:.1f} kadarı için veri yok ({missing_h:.2f} sa): kullanılabilirlik verisi olan {data_h:.2f} sa üzerinden</translation>
    </message>
    <message>
        <source>{count:d} cut(s) without a section: area unknown, not counted</source>
        <translation>kesiti olmayan {count:d} kesim: alan bilinmiyor, sayılmadı</translation>
    </message>
    <message>
        <source>{count:d} cut(s) without a depth or ideal speed: left out of performance</source>
        <translation>derinliği veya ideal hızı olmayan {count:d} kesim: performansa katılmadı</translation>
    </message>
    <message>
        <source>{count:d} cut(s) with band id 0 or none: band unknown</source>
        <translation>şerit numarası 0 olan veya olmayan {count:d} kesim: şerit bilinmiyor</translation>
    </message>
    <message>
        <source>{count:d} cut(s) ended outside planned time: not in these figures</source>
        <translation>planlı süre dışında biten {count:d} kesim: bu rakamlarda yok</translation>
    </message>
    <message>
        <source>saw states from {source}</source>
        <translation>testere durumları şuradan: {source}</translation>
    </message>
    <message>
        <source>performance {value:.1f} % is above 100 %: the saw cut faster than the chart or preset speed (ML speed control, a chart or preset speed set too low, or a simulator speed-up)</source>
        <translation>performans %{value:.1f}, %100 üstünde: testere tablo veya ön ayar hızından hızlı kesti (ML hız kontrolü, çok düşük ayarlanmış bir tablo veya ön ayar hızı ya da simülatör hızlandırması)</translation>
    </message>
    <message>
        <source>OEE not given: {parts} above 100 % would overstate it</source>
        <translation>OEE verilmedi: {parts} %100 üstünde olduğundan OEE olduğundan yüksek görünürdü</translation>
    </message>
    <message>
        <source>{count:d} of {cuts:d} cuts did not go through (not pieces): {aborted:d} aborted, {error:d} PLC error, {interrupted:d} interrupted (engine stopped or link lost mid-cut)</source>
        <translation>{cuts:d} kesimden {count:d} tanesi sonuna kadar gitmedi (parça sayılmaz): {aborted:d} yarıda bırakıldı, {error:d} PLC hatası, {interrupted:d} kesintiye uğradı (kesim ortasında motor (veri toplama) durdu veya bağlantı koptu)</translation>
    </message>
    <message>
        <source>quality {value:.0f} % = {good:d} good of {cuts:d} cuts: {not_through:d} not through, {flagged:d} flagged by the cut-profile check</source>
        <translation>kalite %{value:.0f} = {cuts:d} kesimden {good:d} iyi: {not_through:d} sonuna kadar gitmedi, {flagged:d} kesim profili kontrolünce işaretlendi</translation>
    </message>
    <message>
        <source>no shift is running now</source>
        <translation>şu anda çalışan vardiya yok</translation>
    </message>
    <message>
        <source>the engine failed to start: {error}</source>
        <translation>motor (veri toplama) başlatılamadı: {error}</translation>
    </message>
    <message>
        <source>{path} has schema version {version}; this program knows {known}</source>
        <translation>{path} şema sürümü {version}; bu program {known} sürüme kadar biliyor</translation>
    </message>
    <message>
        <source>the PLC link is down</source>
        <translation>PLC bağlantısı kopuk</translation>
    </message>
    <message>
        <source>{name} could not be read from the PLC before the write: {error}</source>
        <translation>yazmadan önce {name} PLC&apos;den okunamadı: {error}</translation>
    </message>
    <message>
        <source>write failed: {error}</source>
        <translation>yazma başarısız: {error}</translation>
    </message>
    <message>
        <source>written, but the read-back failed: {error}</source>
        <translation>yazıldı, ancak geri okuma başarısız: {error}</translation>
    </message>
    <message>
        <source>read back {read:g}, not the {written:g} written</source>
        <translation>geri okunan {read:g}, yazılan {written:g} değil</translation>
    </message>
    <message>
        <source>command sent (the PLC clears it: not read back)</source>
        <translation>komut gönderildi (PLC onu temizler: geri okunmaz)</translation>
    </message>
    <message>
        <source>no data from the PLC yet</source>
        <translation>PLC&apos;den henüz veri yok</translation>
    </message>
    <message>
        <source>the last poll of the PLC failed (no current values)</source>
        <translation>PLC&apos;nin son okuması başarısız (güncel değer yok)</translation>
    </message>
    <message>
        <source>PLC data is stale ({age:.2f} s old, limit {limit:g} s)</source>
        <translation>PLC verisi eski ({age:.2f} sn önce, sınır {limit:g} sn)</translation>
    </message>
    <message>
        <source>waiting for the first poll</source>
        <translation>ilk okuma bekleniyor</translation>
    </message>
</context>
<context>
    <name>CreateAdminDialog</name>
    <message>
        <source>Create the administrator</source>
        <translation>Yöneticiyi oluştur</translation>
    </message>
    <message>
        <source>No administrator exists yet. Create one now: until then engineer and administrator functions stay locked and the screen is view-only.</source>
        <translation>Henüz yönetici yok. Şimdi oluşturun: o zamana kadar mühendis ve yönetici işlevleri kilitli kalır ve ekran yalnızca görüntüleme içindir.</translation>
    </message>
    <message>
        <source>Administrator&apos;s name</source>
        <translation>Yöneticinin adı</translation>
    </message>
    <message>
        <source>New PIN</source>
        <translation>Yeni PIN</translation>
    </message>
    <message>
        <source>Repeat PIN</source>
        <translation>PIN tekrar</translation>
    </message>
    <message>
        <source>Create</source>
        <translation>Oluştur</translation>
    </message>
    <message>
        <source>Later</source>
        <translation>Sonra</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Ad</translation>
    </message>
    <message>
        <source>PIN</source>
        <translation>PIN</translation>
    </message>
    <message>
        <source>Repeat</source>
        <translation>Tekrar</translation>
    </message>
    <message>
        <source>The two PINs differ</source>
        <translation>İki PIN farklı</translation>
    </message>
    <message>
        <source>Could not create the administrator: %1</source>
        <translation>Yönetici oluşturulamadı: %1</translation>
    </message>
</context>
<context>
    <name>CutOverview</name>
    <message>
        <source>IDLE</source>
        <translation>BEKLEMEDE</translation>
    </message>
    <message>
        <source>PREPARING</source>
        <translation>HAZIRLANIYOR</translation>
    </message>
    <message>
        <source>READY</source>
        <translation>HAZIR</translation>
    </message>
    <message>
        <source>CUTTING</source>
        <translation>KESİYOR</translation>
    </message>
    <message>
        <source>COMPLETED</source>
        <translation>TAMAMLANDI</translation>
    </message>
    <message>
        <source>FAULT</source>
        <translation>ARIZA</translation>
    </message>
    <message>
        <source>STATE %1</source>
        <translation>DURUM %1</translation>
    </message>
    <message>
        <source>Waiting for the PLC</source>
        <translation>PLC bekleniyor</translation>
    </message>
    <message>
        <source>Next: read the alarm, clear the cause, reset the fault on the saw</source>
        <translation>Sonraki: alarmı okuyun, nedeni giderin, testerede arızayı sıfırlayın</translation>
    </message>
    <message>
        <source>Next: load the next piece and start the cycle</source>
        <translation>Sonraki: yeni parçayı yükleyin ve çevrimi başlatın</translation>
    </message>
    <message>
        <source>Next: the saw clamps and positions the piece</source>
        <translation>Sonraki: testere parçayı sıkıyor ve konumluyor</translation>
    </message>
    <message>
        <source>Next: the cut starts</source>
        <translation>Sonraki: kesim başlıyor</translation>
    </message>
    <message>
        <source>Next: cut ends in %1, then the saw lifts the band</source>
        <translation>Sonraki: kesim %1 içinde bitiyor, sonra testere şeridi kaldırıyor</translation>
    </message>
    <message>
        <source>Next: remove the cut piece; the next piece follows</source>
        <translation>Sonraki: kesilen parçayı alın; sıradaki parça geliyor</translation>
    </message>
    <message>
        <source>Next: the cut ends, then the saw lifts the band</source>
        <translation>Sonraki: kesim bitince testere şeridi kaldırıyor</translation>
    </message>
    <message>
        <source>normal %1–%2</source>
        <translation>normal %1–%2</translation>
    </message>
    <message>
        <source>trip %1</source>
        <translation>açma %1</translation>
    </message>
    <message>
        <source>head going up, not cutting</source>
        <translation>kafa yukarı çıkıyor, kesim yok</translation>
    </message>
    <message>
        <source>target %1 %2</source>
        <translation>hedef %1 %2</translation>
    </message>
    <message>
        <source>Band speed</source>
        <translation>Şerit hızı</translation>
    </message>
    <message>
        <source>Head return</source>
        <translation>Kafa dönüşü</translation>
    </message>
    <message>
        <source>Descent speed</source>
        <translation>İniş hızı</translation>
    </message>
    <message>
        <source>Band current</source>
        <translation>Şerit akımı</translation>
    </message>
    <message>
        <source>Band torque</source>
        <translation>Şerit torku</translation>
    </message>
    <message>
        <source>elapsed %1</source>
        <translation>geçen %1</translation>
    </message>
    <message>
        <source>remaining %1</source>
        <translation>kalan %1</translation>
    </message>
    <message>
        <source>%1 of %2 mm</source>
        <translation>%1 / %2 mm</translation>
    </message>
</context>
<context>
    <name>DataPage</name>
    <message>
        <source>No backups yet: &quot;Back up now&quot; makes the first one.</source>
        <translation>Henüz yedek yok: ilk yedeği &quot;Şimdi yedekle&quot; alır.</translation>
    </message>
    <message>
        <source>Taken</source>
        <translation>Alındı</translation>
    </message>
    <message>
        <source>Rows</source>
        <translation>Satır</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Boyut</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Durum</translation>
    </message>
    <message>
        <source>Backups</source>
        <translation>Yedekler</translation>
    </message>
    <message>
        <source>Back up now</source>
        <translation>Şimdi yedekle</translation>
    </message>
    <message>
        <source>Verify</source>
        <translation>Doğrula</translation>
    </message>
    <message>
        <source>Restore…</source>
        <translation>Geri yükle…</translation>
    </message>
    <message>
        <source>From USB…</source>
        <translation>USB&apos;den…</translation>
    </message>
    <message>
        <source>Daily backup at %1 (kept %2); raw samples %3 move to the archive.</source>
        <translation>Günlük yedek saat %1&apos;de (%2 saklanır); %3 ham örnekler arşive taşınır.</translation>
    </message>
    <message numerus="yes">
        <source>%n days</source>
        <translation>
            <numerusform>%n gün</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>older than %n days</source>
        <translation>
            <numerusform>%n günden eski</numerusform>
        </translation>
    </message>
    <message>
        <source>Restore a backup from the export folder or a USB stick</source>
        <translation>Dışa aktarma klasöründen veya bir USB bellekten yedek geri yükle</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Yenile</translation>
    </message>
    <message>
        <source>Export data…</source>
        <translation>Verileri dışa aktar…</translation>
    </message>
    <message>
        <source>Import from smart-saw…</source>
        <translation>smart-saw&apos;dan içe aktar…</translation>
    </message>
    <message>
        <source>Backups cannot be listed: %1</source>
        <translation>Yedekler listelenemiyor: %1</translation>
    </message>
    <message>
        <source>Complete</source>
        <translation>Tam</translation>
    </message>
    <message>
        <source>Damaged: %1</source>
        <translation>Hasarlı: %1</translation>
    </message>
    <message>
        <source>Daily backup is switched off in the configuration.</source>
        <translation>Günlük yedekleme yapılandırmada kapalı.</translation>
    </message>
    <message>
        <source>Last scheduled backup failed: %1</source>
        <translation>Son zamanlanmış yedekleme başarısız: %1</translation>
    </message>
    <message>
        <source>Archive stopped: %1</source>
        <translation>Arşivleme durdu: %1</translation>
    </message>
    <message>
        <source>No backups yet.</source>
        <translation>Henüz yedek yok.</translation>
    </message>
    <message>
        <source>Wait: %1</source>
        <translation>Bekleyin: %1</translation>
    </message>
    <message>
        <source>Select a backup in the list first.</source>
        <translation>Önce listeden bir yedek seçin.</translation>
    </message>
    <message>
        <source>%1 may not start a backup.</source>
        <translation>%1 yedekleme başlatamaz.</translation>
    </message>
    <message>
        <source>Backing up all databases …</source>
        <translation>Tüm veritabanları yedekleniyor …</translation>
    </message>
    <message>
        <source>Backup failed: %1</source>
        <translation>Yedekleme başarısız: %1</translation>
    </message>
    <message>
        <source>Checking %1 against its manifest …</source>
        <translation>%1 manifestine göre denetleniyor …</translation>
    </message>
    <message>
        <source>Backup damaged: %1</source>
        <translation>Yedek hasarlı: %1</translation>
    </message>
    <message>
        <source>%1: every file matches its manifest (sha256).</source>
        <translation>%1: her dosya manifestiyle eşleşiyor (sha256).</translation>
    </message>
    <message>
        <source>%1 may not restore backups (administrators only).</source>
        <translation>%1 yedek geri yükleyemez (yalnızca yöneticiler).</translation>
    </message>
    <message>
        <source>This backup cannot be restored: %1</source>
        <translation>Bu yedek geri yüklenemez: %1</translation>
    </message>
    <message numerus="yes">
        <source>Backup complete: %n rows, %2 MB in %3 s</source>
        <translation>
            <numerusform>Yedekleme tamam: %n satır, %2 MB, %3 s</numerusform>
        </translation>
    </message>
    <message>
        <source>Backup to restore</source>
        <translation>Geri yüklenecek yedek</translation>
    </message>
    <message>
        <source>Checking %1 before restoring …</source>
        <translation>%1 geri yüklemeden önce denetleniyor …</translation>
    </message>
    <message>
        <source>Restore refused: %1</source>
        <translation>Geri yükleme reddedildi: %1</translation>
    </message>
    <message>
        <source>Restoring: recording is stopped …</source>
        <translation>Geri yükleniyor: kayıt durduruldu …</translation>
    </message>
    <message>
        <source>Restore failed</source>
        <translation>Geri yükleme başarısız</translation>
    </message>
    <message>
        <source>Restored the backup of %1 (%2); previous files kept aside. Recording again.</source>
        <translation>%1 yedeği geri yüklendi (%2); önceki dosyalar kenara ayrıldı. Kayıt yeniden başladı.</translation>
    </message>
    <message>
        <source>%1 may not export data.</source>
        <translation>%1 veri dışa aktaramaz.</translation>
    </message>
    <message>
        <source>%1 may not import data.</source>
        <translation>%1 veri içe aktaramaz.</translation>
    </message>
</context>
<context>
    <name>DecisionNames</name>
    <message>
        <source>wait</source>
        <translation>bekleme</translation>
    </message>
    <message>
        <source>hold</source>
        <translation>tutma</translation>
    </message>
    <message>
        <source>accumulate</source>
        <translation>biriktirme</translation>
    </message>
    <message>
        <source>model</source>
        <translation>model</translation>
    </message>
    <message>
        <source>write</source>
        <translation>yazma</translation>
    </message>
    <message>
        <source>guard</source>
        <translation>koruma</translation>
    </message>
    <message>
        <source>ceiling</source>
        <translation>tavan</translation>
    </message>
    <message>
        <source>override</source>
        <translation>müdahale</translation>
    </message>
    <message>
        <source>restore</source>
        <translation>geri getirme</translation>
    </message>
    <message>
        <source>restore held</source>
        <translation>geri getirme bekliyor</translation>
    </message>
    <message>
        <source>restore given up</source>
        <translation>geri getirme bırakıldı</translation>
    </message>
    <message>
        <source>previous run</source>
        <translation>önceki çalışma</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>durduruldu</translation>
    </message>
    <message>
        <source>fault</source>
        <translation>arıza</translation>
    </message>
    <message>
        <source>refused</source>
        <translation>reddedildi</translation>
    </message>
    <message>
        <source>ml</source>
        <translation>ML</translation>
    </message>
    <message>
        <source>manual</source>
        <translation>manuel</translation>
    </message>
</context>
<context>
    <name>DecisionsTab</name>
    <message>
        <source>Time</source>
        <translation>Zaman</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>İşlem</translation>
    </message>
    <message>
        <source>Mode</source>
        <translation>Mod</translation>
    </message>
    <message>
        <source>Output</source>
        <translation>Çıktı</translation>
    </message>
    <message>
        <source>Descent
mm/min</source>
        <translation>İniş
mm/dk</translation>
    </message>
    <message>
        <source>Cutting
m/min</source>
        <translation>Kesme
m/dk</translation>
    </message>
    <message>
        <source>Torque
%</source>
        <translation>Tork
%</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Neden</translation>
    </message>
    <message>
        <source>Only writes, guard and faults</source>
        <translation>Yalnızca yazmalar, koruma ve arızalar</translation>
    </message>
    <message>
        <source>Tap a row to read the whole decision.</source>
        <translation>Kararın tamamını okumak için bir satıra dokunun.</translation>
    </message>
    <message>
        <source>No decisions recorded yet: ML writes one per step while it controls a cut.</source>
        <translation>Henüz kayıtlı karar yok: ML bir kesimi kontrol ederken her adımda bir karar yazar.</translation>
    </message>
    <message>
        <source>%1 %2 (%3, model %4): %5</source>
        <translation>%1 %2 (%3, model %4): %5</translation>
    </message>
    <message>
        <source>No ML decisions recorded yet</source>
        <translation>Henüz kayıtlı ML kararı yok</translation>
    </message>
    <message>
        <source>The %1 latest ML decisions (updated every second)</source>
        <translation>Son %1 ML kararı (her saniye güncellenir)</translation>
    </message>
</context>
<context>
    <name>EngineProcess</name>
    <message>
        <source>the engine stopped: ML is not in control; the PLC keeps the last speeds it was given</source>
        <translation>motor (veri toplama) durdu: ML kontrolde değil; PLC kendisine verilen son hızları korur</translation>
    </message>
    <message>
        <source>Engine stopped: %1</source>
        <translation>Motor (veri toplama) durdu: %1</translation>
    </message>
    <message>
        <source>Restart the engine (the banner&apos;s button) or the program</source>
        <translation>Motoru (banttaki düğmeyle) veya programı yeniden başlatın</translation>
    </message>
    <message>
        <source>needs an engineer who is logged in</source>
        <translation>oturum açmış bir mühendis gerekir</translation>
    </message>
    <message>
        <source>no answer from the engine within %1 s: state unknown, check it</source>
        <translation>motor (veri toplama) %1 sn içinde yanıt vermedi: durum bilinmiyor, kontrol edin</translation>
    </message>
</context>
<context>
    <name>ExportDialog</name>
    <message>
        <source>Last hour</source>
        <translation>Son bir saat</translation>
    </message>
    <message>
        <source>Last 8 h</source>
        <translation>Son 8 saat</translation>
    </message>
    <message>
        <source>Last 24 h</source>
        <translation>Son 24 saat</translation>
    </message>
    <message>
        <source>Last 7 days</source>
        <translation>Son 7 gün</translation>
    </message>
    <message>
        <source>Everything</source>
        <translation>Tümü</translation>
    </message>
    <message>
        <source>Samples (signals)</source>
        <translation>Örnekler (sinyaller)</translation>
    </message>
    <message>
        <source>Cuts</source>
        <translation>Kesimler</translation>
    </message>
    <message>
        <source>Alarms</source>
        <translation>Alarmlar</translation>
    </message>
    <message>
        <source>Export data</source>
        <translation>Verileri dışa aktar</translation>
    </message>
    <message>
        <source>All signals</source>
        <translation>Tüm sinyaller</translation>
    </message>
    <message>
        <source>None</source>
        <translation>Hiçbiri</translation>
    </message>
    <message>
        <source>Excel (xlsx)</source>
        <translation>Excel (xlsx)</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>Seç…</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>Dışa aktar</translation>
    </message>
    <message>
        <source>Cancel export</source>
        <translation>Aktarmayı iptal et</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Kapat</translation>
    </message>
    <message>
        <source>What</source>
        <translation>Ne</translation>
    </message>
    <message>
        <source>From</source>
        <translation>Başlangıç</translation>
    </message>
    <message>
        <source>to</source>
        <translation>bitiş</translation>
    </message>
    <message>
        <source>Signals</source>
        <translation>Sinyaller</translation>
    </message>
    <message>
        <source>Export to</source>
        <translation>Şuraya aktar</translation>
    </message>
    <message>
        <source>Choose at least one signal.</source>
        <translation>En az bir sinyal seçin.</translation>
    </message>
    <message>
        <source>The end of the range must be after its start.</source>
        <translation>Aralığın sonu başlangıcından sonra olmalı.</translation>
    </message>
    <message>
        <source>Choose a file to write.</source>
        <translation>Yazılacak bir dosya seçin.</translation>
    </message>
    <message>
        <source>Export not possible: no event loop is running.</source>
        <translation>Dışa aktarma yapılamıyor: olay döngüsü çalışmıyor.</translation>
    </message>
    <message>
        <source>Exporting to %1 …</source>
        <translation>%1 konumuna aktarılıyor …</translation>
    </message>
    <message>
        <source>Export failed: %1</source>
        <translation>Dışa aktarma başarısız: %1</translation>
    </message>
    <message>
        <source>Export cancelled; no file was left.</source>
        <translation>Dışa aktarma iptal edildi; dosya bırakılmadı.</translation>
    </message>
    <message>
        <source>Cancelling …</source>
        <translation>İptal ediliyor …</translation>
    </message>
    <message numerus="yes">
        <source>%n rows written to %1 in %2 s</source>
        <translation>
            <numerusform>%n satır %2 s içinde %1 konumuna yazıldı</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>FeatureTable</name>
    <message>
        <source>Model input</source>
        <translation>Model girdisi</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Değer</translation>
    </message>
    <message>
        <source>No model loaded: no inputs to show</source>
        <translation>Model yüklü değil: gösterilecek girdi yok</translation>
    </message>
</context>
<context>
    <name>GuardSettingsPanel</name>
    <message>
        <source>Activation delay (time)</source>
        <translation>Devreye girme gecikmesi (süre)</translation>
    </message>
    <message>
        <source>Activation delay (descent)</source>
        <translation>Devreye girme gecikmesi (iniş)</translation>
    </message>
    <message>
        <source>Rise threshold</source>
        <translation>Yükselme eşiği</translation>
    </message>
    <message>
        <source>Descent speed cut</source>
        <translation>İniş hızı kesintisi</translation>
    </message>
    <message>
        <source>Guard</source>
        <translation>Koruma</translation>
    </message>
    <message>
        <source>and</source>
        <translation>ve</translation>
    </message>
    <message>
        <source>Apply</source>
        <translation>Uygula</translation>
    </message>
    <message>
        <source>Undo edits</source>
        <translation>Düzenlemeleri geri al</translation>
    </message>
    <message>
        <source>Back to config values</source>
        <translation>Yapılandırma değerlerine dön</translation>
    </message>
    <message>
        <source>Changes apply to the running torque guard at once and last until the program restarts; config/config.yaml is not changed.</source>
        <translation>Değişiklikler çalışan tork korumasına hemen uygulanır ve program yeniden başlayana kadar geçerlidir; config/config.yaml değişmez.</translation>
    </message>
    <message>
        <source>Compares torque now with torque %1 mm higher; the band counts as engaged %2 % points above free running (config only).</source>
        <translation>Şimdiki torku %1 mm yukarıdaki torkla karşılaştırır; şerit boşta çalışmanın %2 puan üstünde kesimde sayılır (yalnızca yapılandırma).</translation>
    </message>
    <message>
        <source>tap to enter</source>
        <translation>girmek için dokunun</translation>
    </message>
    <message>
        <source>Enabled</source>
        <translation>Etkin</translation>
    </message>
    <message>
        <source>DISABLED</source>
        <translation>DEVRE DIŞI</translation>
    </message>
    <message>
        <source>%1: enter a number</source>
        <translation>%1: bir sayı girin</translation>
    </message>
    <message>
        <source>Not applied — %1</source>
        <translation>Uygulanmadı — %1</translation>
    </message>
    <message>
        <source>No change: these are the running values.</source>
        <translation>Değişiklik yok: bunlar çalışan değerler.</translation>
    </message>
    <message>
        <source>enabled</source>
        <translation>etkin</translation>
    </message>
    <message>
        <source>Applied: %1. Until restart.</source>
        <translation>Uygulandı: %1. Yeniden başlatmaya kadar.</translation>
    </message>
</context>
<context>
    <name>HandoverPanel</name>
    <message>
        <source>Previous run</source>
        <translation>Önceki çalışma</translation>
    </message>
    <message>
        <source>Restore the operator&apos;s speeds</source>
        <translation>Operatörün hızlarını geri yükle</translation>
    </message>
    <message>
        <source>Keep the PLC&apos;s speeds</source>
        <translation>PLC&apos;deki hızları koru</translation>
    </message>
    <message>
        <source>band speed %1 %2, descent %3 %4</source>
        <translation>şerit hızı %1 %2, iniş %3 %4</translation>
    </message>
    <message>
        <source>The engine stopped while ML held the speeds. The PLC still holds the speeds ML set: %1. The operator&apos;s were: %2. Restore them?</source>
        <translation>Motor, hızlar ML&apos;deyken durdu. PLC, ML&apos;nin ayarladığı hızları hâlâ tutuyor: %1. Operatörünkiler: %2. Geri yüklensin mi?</translation>
    </message>
    <message>
        <source>Set by a person since the start, not restored: %1.</source>
        <translation>Başlangıçtan beri bir kişi tarafından ayarlandı, geri yüklenmez: %1.</translation>
    </message>
    <message>
        <source>An engineer answers here.</source>
        <translation>Burada bir mühendis yanıtlar.</translation>
    </message>
    <message>
        <source>band speed %1 %2</source>
        <translation>şerit hızı %1 %2</translation>
    </message>
    <message>
        <source>descent %3 %4</source>
        <translation>iniş %3 %4</translation>
    </message>
    <message>
        <source>Restoring the operator&apos;s speeds: %1</source>
        <translation>Operatörün hızları geri yükleniyor: %1</translation>
    </message>
    <message>
        <source>The saw is cutting: the descent stays at %1 %2 until the cut ends, then the operator&apos;s comes back.</source>
        <translation>Testere kesiyor: iniş kesim bitene kadar %1 %2 değerinde kalır, sonra operatörünki geri gelir.</translation>
    </message>
    <message>
        <source>Not restored: %1</source>
        <translation>Geri yüklenmedi: %1</translation>
    </message>
    <message>
        <source>The PLC&apos;s speeds stay.</source>
        <translation>PLC&apos;deki hızlar kalıyor.</translation>
    </message>
    <message>
        <source>Not answered: %1</source>
        <translation>Yanıtlanmadı: %1</translation>
    </message>
</context>
<context>
    <name>HmiStatusBar</name>
    <message>
        <source>not logged in (operator view)</source>
        <translation>oturum açılmadı (operatör görünümü)</translation>
    </message>
    <message>
        <source>poll %1 Hz</source>
        <translation>okuma %1 Hz</translation>
    </message>
    <message>
        <source>PLC link lost</source>
        <translation>PLC bağlantısı koptu</translation>
    </message>
    <message>
        <source>newest sample %1</source>
        <translation>en yeni örnek %1</translation>
    </message>
    <message>
        <source>alarms %1</source>
        <translation>alarm %1</translation>
    </message>
    <message>
        <source>user %1 (%2)</source>
        <translation>kullanıcı %1 (%2)</translation>
    </message>
    <message>
        <source>not logged in (view only)</source>
        <translation>oturum açılmadı (yalnızca görüntüleme)</translation>
    </message>
    <message>
        <source>user %1</source>
        <translation>kullanıcı %1</translation>
    </message>
    <message numerus="yes">
        <source>storage queue %n rows</source>
        <translation>
            <numerusform>kayıt kuyruğu %n satır</numerusform>
        </translation>
    </message>
    <message>
        <source>(%1 unacknowledged)</source>
        <translation>(%1 onaysız)</translation>
    </message>
</context>
<context>
    <name>ImportDialog</name>
    <message>
        <source>Import from smart-saw</source>
        <translation>smart-saw&apos;dan içe aktar</translation>
    </message>
    <message>
        <source>The older system&apos;s folder (with total.db, ml.db, anomaly.db, log.db). Its files are only read. Rows already imported are skipped; rows that cannot be read go to a reject file.</source>
        <translation>Eski sistemin klasörü (total.db, ml.db, anomaly.db, log.db ile). Dosyaları yalnızca okunur. Daha önce aktarılmış satırlar atlanır; okunamayan satırlar bir ret dosyasına yazılır.</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>Seç…</translation>
    </message>
    <message>
        <source>Dry run (read and count, write nothing)</source>
        <translation>Deneme (oku ve say, hiçbir şey yazma)</translation>
    </message>
    <message>
        <source>Import</source>
        <translation>İçe aktar</translation>
    </message>
    <message>
        <source>Cancel import</source>
        <translation>İçe aktarmayı iptal et</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Kapat</translation>
    </message>
    <message>
        <source>smart-saw folder</source>
        <translation>smart-saw klasörü</translation>
    </message>
    <message>
        <source>Choose the smart-saw folder.</source>
        <translation>smart-saw klasörünü seçin.</translation>
    </message>
    <message>
        <source>Import not possible: no event loop is running.</source>
        <translation>İçe aktarma yapılamıyor: olay döngüsü çalışmıyor.</translation>
    </message>
    <message>
        <source>Importing from {0} …</source>
        <translation>{0} konumundan içe aktarılıyor …</translation>
    </message>
    <message>
        <source>Import failed: {0}</source>
        <translation>İçe aktarma başarısız: {0}</translation>
    </message>
    <message>
        <source>Import refused or failed: {0}</source>
        <translation>İçe aktarma reddedildi veya başarısız: {0}</translation>
    </message>
    <message>
        <source>Cancelling after the batch under way …</source>
        <translation>Süren parti bittikten sonra iptal ediliyor …</translation>
    </message>
    <message numerus="yes">
        <source>%1: %2/%n rows, %3 rows/s</source>
        <translation>
            <numerusform>%1: %2/%n satır, %3 satır/sn</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Import cancelled: %n rows kept; import again to continue.</source>
        <translation>
            <numerusform>İçe aktarma iptal edildi: %n satır saklandı; devam etmek için yeniden içe aktarın.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n rows imported, %1 rejected.</source>
        <translation>
            <numerusform>%n satır içe aktarıldı, %1 reddedildi.</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 s left</source>
        <translation>%1 sn kaldı</translation>
    </message>
</context>
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
    <name>LinkBanner</name>
    <message>
        <source>PLC LINK LOST — values are not live</source>
        <translation>PLC BAĞLANTISI KOPTU — değerler canlı değil</translation>
    </message>
    <message>
        <source>Restart engine</source>
        <translation>Motoru yeniden başlat</translation>
    </message>
    <message>
        <source>Restarting the engine…</source>
        <translation>Motor yeniden başlatılıyor…</translation>
    </message>
    <message>
        <source>no data for %1</source>
        <translation>%1 süredir veri yok</translation>
    </message>
    <message>
        <source>no data received yet</source>
        <translation>henüz veri alınmadı</translation>
    </message>
    <message>
        <source>ENGINE RESTARTING — values are not live</source>
        <translation>MOTOR (VERİ TOPLAMA) YENİDEN BAŞLIYOR — değerler canlı değil</translation>
    </message>
    <message>
        <source>ENGINE STOPPED — values are not live</source>
        <translation>MOTOR (VERİ TOPLAMA) DURDU — değerler canlı değil</translation>
    </message>
    <message>
        <source>An engineer who is logged in can restart the engine here; otherwise restart the program</source>
        <translation>Motoru burada oturum açmış bir mühendis yeniden başlatabilir; aksi halde programı yeniden başlatın</translation>
    </message>
    <message>
        <source>Automatic restarts used up: waiting for a person</source>
        <translation>Otomatik yeniden başlatma hakkı bitti: bir kişi bekleniyor</translation>
    </message>
    <message>
        <source>Restart failed: %1</source>
        <translation>Yeniden başlatılamadı: %1</translation>
    </message>
    <message>
        <source>ENGINE RESTARTED — manual mode (ML off)</source>
        <translation>MOTOR (VERİ TOPLAMA) YENİDEN BAŞLADI — manuel mod (ML kapalı)</translation>
    </message>
    <message>
        <source>automatically</source>
        <translation>otomatik olarak</translation>
    </message>
    <message>
        <source>by %1</source>
        <translation>%1 tarafından</translation>
    </message>
    <message>
        <source>Restarted %1 at %2</source>
        <translation>%2 saatinde %1 yeniden başlatıldı</translation>
    </message>
    <message>
        <source>log in again</source>
        <translation>yeniden oturum açın</translation>
    </message>
</context>
<context>
    <name>LoginButton</name>
    <message>
        <source>%1 (%2) · Log out</source>
        <translation>%1 (%2) · Çıkış</translation>
    </message>
    <message>
        <source>Log in</source>
        <translation>Giriş</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <source>Log in</source>
        <translation>Giriş</translation>
    </message>
    <message>
        <source>PIN</source>
        <translation>PIN</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>İptal</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Ad</translation>
    </message>
    <message>
        <source>Users cannot be read; see the log</source>
        <translation>Kullanıcılar okunamıyor; günlüğe bakın</translation>
    </message>
    <message>
        <source>Choose a name and enter the PIN</source>
        <translation>Bir ad seçin ve PIN girin</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>Denetleniyor…</translation>
    </message>
    <message>
        <source>Login not possible: %1</source>
        <translation>Giriş yapılamıyor: %1</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Alarms</source>
        <translation>Alarmlar</translation>
    </message>
    <message>
        <source>Control</source>
        <translation>Kontrol</translation>
    </message>
    <message>
        <source>Production</source>
        <translation>Üretim</translation>
    </message>
    <message>
        <source>Data</source>
        <translation>Veri</translation>
    </message>
    <message>
        <source>Users</source>
        <translation>Kullanıcılar</translation>
    </message>
    <message>
        <source>Audit</source>
        <translation>Denetim</translation>
    </message>
    <message>
        <source>Dashboard</source>
        <translation>Genel bakış</translation>
    </message>
    <message>
        <source>Trends</source>
        <translation>Eğilimler</translation>
    </message>
    <message>
        <source>Registers</source>
        <translation>Yazmaçlar</translation>
    </message>
    <message>
        <source>Band saw — %1</source>
        <translation>Şerit testere — %1</translation>
    </message>
    <message>
        <source>Replay…</source>
        <translation>Yeniden oynat…</translation>
    </message>
    <message>
        <source>Leave kiosk</source>
        <translation>Kiosktan çık</translation>
    </message>
    <message>
        <source>REPLAY</source>
        <translation>YENİDEN OYNATMA</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Dosya</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Çık</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Görünüm</translation>
    </message>
    <message>
        <source>&amp;Full screen</source>
        <translation>&amp;Tam ekran</translation>
    </message>
    <message>
        <source>&amp;Kiosk mode</source>
        <translation>&amp;Kiosk modu</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Yardım</translation>
    </message>
    <message>
        <source>&amp;About</source>
        <translation>&amp;Hakkında</translation>
    </message>
    <message>
        <source>About</source>
        <translation>Hakkında</translation>
    </message>
    <message>
        <source>Band saw HMI</source>
        <translation>Şerit testere HMI</translation>
    </message>
    <message>
        <source>Not permitted</source>
        <translation>İzin yok</translation>
    </message>
    <message>
        <source>%1 may not leave kiosk mode.</source>
        <translation>%1 kiosk modundan çıkamaz.</translation>
    </message>
    <message>
        <source>Leave kiosk mode</source>
        <translation>Kiosk modundan çık</translation>
    </message>
    <message>
        <source>Leave kiosk mode and show the desktop window?</source>
        <translation>Kiosk modundan çıkıp masaüstü penceresi gösterilsin mi?</translation>
    </message>
</context>
<context>
    <name>ModelPanel</name>
    <message>
        <source>Model</source>
        <translation>Model</translation>
    </message>
    <message>
        <source>File</source>
        <translation>Dosya</translation>
    </message>
    <message>
        <source>Output</source>
        <translation>Çıktı</translation>
    </message>
    <message>
        <source>Features</source>
        <translation>Girdiler</translation>
    </message>
    <message>
        <source>Training</source>
        <translation>Eğitim</translation>
    </message>
    <message>
        <source>Model files</source>
        <translation>Model dosyaları</translation>
    </message>
    <message>
        <source>Rescan</source>
        <translation>Yeniden tara</translation>
    </message>
    <message>
        <source>Load selected model</source>
        <translation>Seçili modeli yükle</translation>
    </message>
    <message>
        <source>— (the engine is not running)</source>
        <translation>— (motor çalışmıyor)</translation>
    </message>
    <message>
        <source>no model configured (ml.model_path)</source>
        <translation>model yapılandırılmadı (ml.model_path)</translation>
    </message>
    <message>
        <source>No model loaded — %1</source>
        <translation>Model yüklenmedi — %1</translation>
    </message>
    <message>
        <source>steps per decision</source>
        <translation>karar başına adımlar</translation>
    </message>
    <message>
        <source>this install %1</source>
        <translation>bu kurulum %1</translation>
    </message>
    <message>
        <source>(loaded)</source>
        <translation>(yüklü)</translation>
    </message>
    <message>
        <source>Models cannot be listed: %1</source>
        <translation>Modeller listelenemiyor: %1</translation>
    </message>
    <message>
        <source>No model manifests (*.json) in the model folders.</source>
        <translation>Model klasörlerinde model bildirimi (*.json) yok.</translation>
    </message>
    <message>
        <source>Not loaded — the engine is not running.</source>
        <translation>Yüklenmedi — motor çalışmıyor.</translation>
    </message>
    <message>
        <source>Not loaded — ML is controlling a cut: switch ML off or wait for the cut to end.</source>
        <translation>Yüklenmedi — ML bir kesimi kontrol ediyor: ML&apos;yi kapatın veya kesimin bitmesini bekleyin.</translation>
    </message>
    <message>
        <source>Checking %1 (sha256, versions)…</source>
        <translation>%1 denetleniyor (sha256, sürümler)…</translation>
    </message>
    <message>
        <source>Not loaded — no event loop is running.</source>
        <translation>Yüklenmedi — olay döngüsü çalışmıyor.</translation>
    </message>
    <message>
        <source>Loaded %1.</source>
        <translation>%1 yüklendi.</translation>
    </message>
    <message>
        <source>Refused: %1</source>
        <translation>Reddedildi: %1</translation>
    </message>
</context>
<context>
    <name>NavBar</name>
    <message>
        <source>More ▾</source>
        <translation>Diğer ▾</translation>
    </message>
</context>
<context>
    <name>NumericEntry</name>
    <message>
        <source>tap to enter</source>
        <translation>girmek için dokunun</translation>
    </message>
</context>
<context>
    <name>NumericKeypad</name>
    <message>
        <source>OK</source>
        <translation>Tamam</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>İptal</translation>
    </message>
</context>
<context>
    <name>OverviewPage</name>
    <message>
        <source>off</source>
        <translation>kapalı</translation>
    </message>
    <message>
        <source>backlog %1</source>
        <translation>bekleyen %1</translation>
    </message>
    <message>
        <source>ok</source>
        <translation>tamam</translation>
    </message>
    <message>
        <source>down</source>
        <translation>bağlantı yok</translation>
    </message>
    <message>
        <source>Slow</source>
        <translation>Yavaş</translation>
    </message>
    <message>
        <source>Normal</source>
        <translation>Normal</translation>
    </message>
    <message>
        <source>Fast</source>
        <translation>Hızlı</translation>
    </message>
    <message>
        <source>Manual: operator&apos;s speeds</source>
        <translation>Manuel: operatörün hızları</translation>
    </message>
    <message>
        <source>ML paused in this cut</source>
        <translation>ML bu kesimde duraklatıldı</translation>
    </message>
    <message>
        <source>ML controls the speeds</source>
        <translation>Hızları ML ayarlıyor</translation>
    </message>
    <message>
        <source>ML on: waits for the cut</source>
        <translation>ML açık: kesimi bekliyor</translation>
    </message>
    <message>
        <source>Speed preset</source>
        <translation>Hız ön ayarı</translation>
    </message>
    <message>
        <source>Database</source>
        <translation>Veritabanı</translation>
    </message>
    <message>
        <source>PLC link lost: nothing can be written until it is back.</source>
        <translation>PLC bağlantısı koptu: bağlantı gelene kadar hiçbir şey yazılamaz.</translation>
    </message>
    <message>
        <source>Material %1</source>
        <translation>Malzeme %1</translation>
    </message>
    <message>
        <source>PLC band wear %1</source>
        <translation>PLC şerit aşınması %1</translation>
    </message>
    <message>
        <source>LINK LOST</source>
        <translation>BAĞLANTI KOPTU</translation>
    </message>
    <message>
        <source>queue %1</source>
        <translation>kuyruk %1</translation>
    </message>
    <message>
        <source>ML speed control</source>
        <translation>ML hız kontrolü</translation>
    </message>
    <message>
        <source>ML speed control
(no model loaded)</source>
        <translation>ML hız kontrolü
(model yüklü değil)</translation>
    </message>
    <message>
        <source>Let the ML model set the cutting speeds?</source>
        <translation>Kesme hızlarını ML modeli mi belirlesin?</translation>
    </message>
    <message>
        <source>Return to the operator&apos;s speeds (manual)?</source>
        <translation>Operatörün hızlarına (manuel) dönülsün mü?</translation>
    </message>
    <message>
        <source>Control mode</source>
        <translation>Kontrol modu</translation>
    </message>
    <message>
        <source>Switch</source>
        <translation>Değiştir</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>İptal</translation>
    </message>
    <message>
        <source>Mode %1</source>
        <translation>Mod %1</translation>
    </message>
    <message>
        <source>Mode %1 refused: %2</source>
        <translation>Mod %1 reddedildi: %2</translation>
    </message>
    <message>
        <source>Applying %1…</source>
        <translation>%1 uygulanıyor…</translation>
    </message>
    <message>
        <source>Preset %1 failed: %2</source>
        <translation>Ön ayar %1 başarısız: %2</translation>
    </message>
    <message>
        <source>Preset %1 not applied: %2</source>
        <translation>Ön ayar %1 uygulanmadı: %2</translation>
    </message>
    <message>
        <source>Preset %1 applied</source>
        <translation>Ön ayar %1 uygulandı</translation>
    </message>
    <message>
        <source>refused</source>
        <translation>reddedildi</translation>
    </message>
</context>
<context>
    <name>PinField</name>
    <message>
        <source>tap to enter PIN</source>
        <translation>PIN girmek için dokunun</translation>
    </message>
    <message>
        <source>PIN or password</source>
        <translation>PIN veya parola</translation>
    </message>
</context>
<context>
    <name>ProductionPage</name>
    <message>
        <source>A %1 · P %2 · Q %3</source>
        <translation>Kul. %1 · Perf. %2 · Kal. %3</translation>
    </message>
    <message>
        <source>Availability</source>
        <translation>Kullanılabilirlik</translation>
    </message>
    <message>
        <source>Cut area cm²</source>
        <translation>Kesilen alan cm²</translation>
    </message>
    <message>
        <source>Export report (24 h)</source>
        <translation>Raporu dışa aktar (24 sa)</translation>
    </message>
    <message>
        <source>Exporting reports needs an engineer.</source>
        <translation>Rapor dışa aktarmak için mühendis gerekir.</translation>
    </message>
    <message>
        <source>Figures not available: %1</source>
        <translation>Rakamlar alınamadı: %1</translation>
    </message>
    <message>
        <source>availability</source>
        <translation>kullanılabilirlik</translation>
    </message>
    <message>
        <source>performance</source>
        <translation>performans</translation>
    </message>
    <message>
        <source>quality</source>
        <translation>kalite</translation>
    </message>
    <message>
        <source>not given: %1 above 100 % would overstate it</source>
        <translation>verilmedi: %1 yüzde 100&apos;ün üstünde, OEE&apos;yi olduğundan yüksek gösterirdi</translation>
    </message>
    <message>
        <source>%1 h %2 min</source>
        <translation>%1 sa %2 dk</translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation>%1 dk</translation>
    </message>
    <message>
        <source>no data recorded in this shift</source>
        <translation>bu vardiyada kayıtlı veri yok</translation>
    </message>
    <message>
        <source>Stops and band life</source>
        <translation>Duruşlar ve şerit ömrü</translation>
    </message>
    <message>
        <source>Band history</source>
        <translation>Şerit geçmişi</translation>
    </message>
    <message>
        <source>Last shifts</source>
        <translation>Son vardiyalar</translation>
    </message>
    <message>
        <source>No shift is running now</source>
        <translation>Şu anda vardiya yok</translation>
    </message>
    <message>
        <source>above 100 %: faster than the ideal cut time</source>
        <translation>yüzde 100&apos;ün üstünde: ideal kesim süresinden hızlı</translation>
    </message>
    <message>
        <source>Notes (%1)</source>
        <translation>Notlar (%1)</translation>
    </message>
    <message>
        <source>Not exported: %1</source>
        <translation>Dışa aktarılmadı: %1</translation>
    </message>
    <message>
        <source>OEE %1</source>
        <translation>OEE %1</translation>
    </message>
    <message>
        <source>OEE</source>
        <translation>OEE</translation>
    </message>
    <message>
        <source>Performance</source>
        <translation>Performans</translation>
    </message>
    <message>
        <source>Pieces %1</source>
        <translation>Parça %1</translation>
    </message>
    <message>
        <source>Pieces</source>
        <translation>Parça</translation>
    </message>
    <message>
        <source>Production</source>
        <translation>Üretim</translation>
    </message>
    <message>
        <source>Quality</source>
        <translation>Kalite</translation>
    </message>
    <message>
        <source>Report written: %1</source>
        <translation>Rapor yazıldı: %1</translation>
    </message>
    <message>
        <source>Saw state this shift</source>
        <translation>Bu vardiyada testere durumu</translation>
    </message>
    <message>
        <source>Shift %1 · %2–%3</source>
        <translation>Vardiya %1 · %2–%3</translation>
    </message>
    <message>
        <source>Why it stood (alarms while not cutting)</source>
        <translation>Neden durdu (kesmezken alarmlar)</translation>
    </message>
    <message>
        <source>Writing %1 …</source>
        <translation>%1 yazılıyor …</translation>
    </message>
    <message>
        <source>alarm / stopped</source>
        <translation>alarm / durdu</translation>
    </message>
    <message>
        <source>cutting</source>
        <translation>kesiyor</translation>
    </message>
    <message>
        <source>link lost</source>
        <translation>bağlantı koptu</translation>
    </message>
    <message>
        <source>no alarm stopped the saw this shift</source>
        <translation>bu vardiyada testereyi durduran alarm yok</translation>
    </message>
    <message>
        <source>no data</source>
        <translation>veri yok</translation>
    </message>
    <message>
        <source>ready / idle</source>
        <translation>hazır / boşta</translation>
    </message>
    <message>
        <source>updated %1</source>
        <translation>güncellendi %1</translation>
    </message>
</context>
<context>
    <name>RegisterTableModel</name>
    <message>
        <source>Address</source>
        <translation>Adres</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Ad</translation>
    </message>
    <message>
        <source>Raw</source>
        <translation>Ham</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Değer</translation>
    </message>
    <message>
        <source>Unit</source>
        <translation>Birim</translation>
    </message>
    <message>
        <source>Access</source>
        <translation>Erişim</translation>
    </message>
    <message>
        <source>Age</source>
        <translation>Yaş</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>Açıklama</translation>
    </message>
    <message>
        <source>hex</source>
        <translation>onaltılık</translation>
    </message>
    <message>
        <source>signed</source>
        <translation>işaretli</translation>
    </message>
    <message>
        <source>decimal</source>
        <translation>onluk</translation>
    </message>
    <message>
        <source>read/write</source>
        <translation>okuma/yazma</translation>
    </message>
    <message>
        <source>read</source>
        <translation>okuma</translation>
    </message>
</context>
<context>
    <name>RegistersPage</name>
    <message>
        <source>Search: name, address, unit, description</source>
        <translation>Ara: ad, adres, birim, açıklama</translation>
    </message>
    <message>
        <source>Search registers</source>
        <translation>Yazmaç ara</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>Temizle</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>Adres</translation>
    </message>
    <message>
        <source>Raw</source>
        <translation>Ham</translation>
    </message>
    <message>
        <source>Write…</source>
        <translation>Yaz…</translation>
    </message>
    <message>
        <source>All registers</source>
        <translation>Tüm yazmaçlar</translation>
    </message>
    <message numerus="yes">
        <source>%n registers</source>
        <translation>
            <numerusform>%n yazmaç</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 of %2 registers match “%3”</source>
        <translation>%2 yazmaçtan %1 tanesi “%3” ile eşleşiyor</translation>
    </message>
    <message>
        <source>No register matches “%1”</source>
        <translation>“%1” ile eşleşen yazmaç yok</translation>
    </message>
    <message>
        <source>PLC link lost: nothing can be written until it is back.</source>
        <translation>PLC bağlantısı koptu: bağlantı gelene kadar hiçbir şey yazılamaz.</translation>
    </message>
    <message>
        <source>Select a writable register (access rw) first.</source>
        <translation>Önce yazılabilir bir yazmaç seçin (erişim rw).</translation>
    </message>
</context>
<context>
    <name>ReplayBar</name>
    <message>
        <source>%1 min</source>
        <translation>%1 dk</translation>
    </message>
    <message>
        <source>%1 h</source>
        <translation>%1 sa</translation>
    </message>
    <message>
        <source>REPLAY</source>
        <translation>YENİDEN OYNATMA</translation>
    </message>
    <message>
        <source>Back to live</source>
        <translation>Canlıya dön</translation>
    </message>
    <message>
        <source>Play</source>
        <translation>Oynat</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>Duraklat</translation>
    </message>
    <message>
        <source>paused</source>
        <translation>duraklatıldı</translation>
    </message>
    <message>
        <source>end of the period</source>
        <translation>sürenin sonu</translation>
    </message>
    <message>
        <source>not live: nothing is written to the PLC</source>
        <translation>canlı değil: PLC&apos;ye hiçbir şey yazılmaz</translation>
    </message>
    <message>
        <source>plant time %1</source>
        <translation>tesis saati %1</translation>
    </message>
</context>
<context>
    <name>ReplayChooser</name>
    <message>
        <source>Replay</source>
        <translation>Yeniden oynat</translation>
    </message>
    <message>
        <source>From (%1)</source>
        <translation>Başlangıç (%1)</translation>
    </message>
    <message>
        <source>for</source>
        <translation>süre</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Zaman</translation>
    </message>
    <message>
        <source>Cut</source>
        <translation>Kesim</translation>
    </message>
    <message>
        <source>Alarm</source>
        <translation>Alarm</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>İptal</translation>
    </message>
    <message>
        <source>Speed</source>
        <translation>Hız</translation>
    </message>
    <message>
        <source>No cut has been recorded yet</source>
        <translation>Henüz kaydedilmiş kesim yok</translation>
    </message>
    <message>
        <source>Cut list unavailable: %1</source>
        <translation>Kesim listesi kullanılamıyor: %1</translation>
    </message>
    <message>
        <source>Cut %1  %2  %3 s  %4</source>
        <translation>Kesim %1  %2  %3 sn  %4</translation>
    </message>
    <message>
        <source>No alarm has been recorded yet</source>
        <translation>Henüz kaydedilmiş alarm yok</translation>
    </message>
    <message>
        <source>Alarm history unavailable: %1</source>
        <translation>Alarm geçmişi kullanılamıyor: %1</translation>
    </message>
    <message>
        <source>Choose a cut or an alarm in the list first</source>
        <translation>Önce listeden bir kesim veya alarm seçin</translation>
    </message>
    <message>
        <source>Reading the recording…</source>
        <translation>Kayıt okunuyor…</translation>
    </message>
    <message>
        <source>Not replayed: %1</source>
        <translation>Yeniden oynatılmadı: %1</translation>
    </message>
</context>
<context>
    <name>ReportNotes</name>
    <message>
        <source>availability</source>
        <translation>kullanılabilirlik</translation>
    </message>
    <message>
        <source>performance</source>
        <translation>performans</translation>
    </message>
    <message>
        <source>quality</source>
        <translation>kalite</translation>
    </message>
</context>
<context>
    <name>RestoreDialog</name>
    <message>
        <source>Restore backup</source>
        <translation>Yedeği geri yükle</translation>
    </message>
    <message>
        <source>Restoring stops recording for a moment, checks the backup against its manifest, keeps the current databases aside (renamed with the time) and puts the backup&apos;s databases in their place; then recording starts again. Data recorded since the backup stays only in the files kept aside.</source>
        <translation>Geri yükleme kaydı kısa bir süre durdurur, yedeği manifestine göre denetler, mevcut veritabanlarını kenara ayırır (zamanla yeniden adlandırılır) ve yedeğin veritabanlarını yerlerine koyar; ardından kayıt yeniden başlar. Yedekten bu yana kaydedilen veriler yalnızca kenara ayrılan dosyalarda kalır.</translation>
    </message>
    <message>
        <source>I understand</source>
        <translation>Anladım</translation>
    </message>
    <message>
        <source>Restore</source>
        <translation>Geri yükle</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>İptal</translation>
    </message>
    <message numerus="yes">
        <source>%n rows</source>
        <translation>
            <numerusform>%n satır</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n databases</source>
        <translation>
            <numerusform>%n veritabanı</numerusform>
        </translation>
    </message>
    <message>
        <source>Backup of %1: %2 in %3</source>
        <translation>%1 yedeği: %3 içinde %2</translation>
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
    <name>ShelveDialog</name>
    <message>
        <source>Maintenance work</source>
        <translation>Bakım çalışması</translation>
    </message>
    <message>
        <source>Sensor fault</source>
        <translation>Sensör arızası</translation>
    </message>
    <message>
        <source>Known process condition</source>
        <translation>Bilinen süreç durumu</translation>
    </message>
    <message>
        <source>Nuisance alarm (report it)</source>
        <translation>Gereksiz alarm (bildirin)</translation>
    </message>
    <message>
        <source>Shelve alarm</source>
        <translation>Alarmı rafa kaldır</translation>
    </message>
    <message>
        <source>Shelve: %1</source>
        <translation>Rafa kaldır: %1</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Neden</translation>
    </message>
    <message>
        <source>Reason (required)</source>
        <translation>Neden (zorunlu)</translation>
    </message>
    <message>
        <source>Shelve</source>
        <translation>Rafa kaldır</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>İptal</translation>
    </message>
    <message>
        <source>Why:</source>
        <translation>Neden:</translation>
    </message>
    <message>
        <source>For how long (it returns by itself):</source>
        <translation>Ne kadar süre (kendiliğinden geri gelir):</translation>
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
        <source>Choose this folder</source>
        <translation>Bu klasörü seç</translation>
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
        <source>No folders here</source>
        <translation>Burada klasör yok</translation>
    </message>
    <message>
        <source>This folder is empty</source>
        <translation>Bu klasör boş</translation>
    </message>
</context>
<context>
    <name>TrendsPage</name>
    <message>
        <source>trip</source>
        <translation>açma</translation>
    </message>
    <message>
        <source>Current</source>
        <translation>Akım</translation>
    </message>
    <message>
        <source>current</source>
        <translation>akım</translation>
    </message>
    <message>
        <source>Torque</source>
        <translation>Tork</translation>
    </message>
    <message>
        <source>torque</source>
        <translation>tork</translation>
    </message>
    <message>
        <source>Vibration</source>
        <translation>Titreşim</translation>
    </message>
    <message>
        <source>Band</source>
        <translation>Şerit</translation>
    </message>
    <message>
        <source>band speed</source>
        <translation>şerit hızı</translation>
    </message>
    <message>
        <source>Descent</source>
        <translation>İniş</translation>
    </message>
    <message>
        <source>descent</source>
        <translation>iniş</translation>
    </message>
    <message>
        <source>%1 h</source>
        <translation>%1 sa</translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation>%1 dk</translation>
    </message>
    <message>
        <source>Live</source>
        <translation>Canlı</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>Duraklat</translation>
    </message>
    <message>
        <source>Remove cursor</source>
        <translation>İmleci kaldır</translation>
    </message>
    <message>
        <source>History from</source>
        <translation>Geçmiş başlangıcı</translation>
    </message>
    <message>
        <source>Load</source>
        <translation>Yükle</translation>
    </message>
    <message>
        <source>No data yet: the plots fill as samples arrive from the saw.</source>
        <translation>Henüz veri yok: grafikler testereden örnekler geldikçe dolar.</translation>
    </message>
    <message>
        <source>No recorded samples from %1 to %2</source>
        <translation>%1 ile %2 arasında kayıtlı örnek yok</translation>
    </message>
    <message>
        <source>target</source>
        <translation>hedef</translation>
    </message>
    <message>
        <source>No samples recorded from %1 to %2</source>
        <translation>%1 ile %2 arasında kaydedilmiş örnek yok</translation>
    </message>
    <message>
        <source>Reading raw.db…</source>
        <translation>raw.db okunuyor…</translation>
    </message>
    <message>
        <source>History unavailable: %1</source>
        <translation>Geçmiş kullanılamıyor: %1</translation>
    </message>
    <message numerus="yes">
        <source>raw.db from %1: %n samples</source>
        <translation>
            <numerusform>raw.db, %1 itibarıyla: %n örnek</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>raw.db from %1: %n samples (min/max per interval)</source>
        <translation>
            <numerusform>raw.db, %1 itibarıyla: %n örnek (aralık başına min/maks)</numerusform>
        </translation>
    </message>
    <message>
        <source>Tap a plot to place the cursor</source>
        <translation>İmleci yerleştirmek için bir grafiğe dokunun</translation>
    </message>
</context>
<context>
    <name>UsersPage</name>
    <message>
        <source>Name</source>
        <translation>Ad</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>Rol</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Durum</translation>
    </message>
    <message>
        <source>Failed logins</source>
        <translation>Başarısız girişler</translation>
    </message>
    <message>
        <source>Locked</source>
        <translation>Kilitli</translation>
    </message>
    <message>
        <source>Changed</source>
        <translation>Değiştirildi</translation>
    </message>
    <message>
        <source>admin</source>
        <translation>yönetici</translation>
    </message>
    <message>
        <source>engineer</source>
        <translation>mühendis</translation>
    </message>
    <message>
        <source>operator</source>
        <translation>operatör</translation>
    </message>
    <message>
        <source>login name</source>
        <translation>giriş adı</translation>
    </message>
    <message>
        <source>Login name</source>
        <translation>Giriş adı</translation>
    </message>
    <message>
        <source>New PIN</source>
        <translation>Yeni PIN</translation>
    </message>
    <message>
        <source>Repeat PIN</source>
        <translation>PIN tekrar</translation>
    </message>
    <message>
        <source>tap to enter PIN</source>
        <translation>PIN girmek için dokunun</translation>
    </message>
    <message>
        <source>PIN</source>
        <translation>PIN</translation>
    </message>
    <message>
        <source>Add user</source>
        <translation>Kullanıcı ekle</translation>
    </message>
    <message>
        <source>Set PIN of selected</source>
        <translation>Seçilenin PIN&apos;ini ayarla</translation>
    </message>
    <message>
        <source>Set role of selected</source>
        <translation>Seçilenin rolünü ayarla</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Yenile</translation>
    </message>
    <message>
        <source>Only a logged-in administrator can change users.</source>
        <translation>Kullanıcıları yalnızca giriş yapmış bir yönetici değiştirebilir.</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>Değiştir</translation>
    </message>
    <message>
        <source>Users cannot be read: %1</source>
        <translation>Kullanıcılar okunamıyor: %1</translation>
    </message>
    <message>
        <source>enabled</source>
        <translation>etkin</translation>
    </message>
    <message>
        <source>disabled</source>
        <translation>devre dışı</translation>
    </message>
    <message>
        <source>Enable selected</source>
        <translation>Seçileni etkinleştir</translation>
    </message>
    <message>
        <source>Disable selected</source>
        <translation>Seçileni devre dışı bırak</translation>
    </message>
    <message>
        <source>The two PINs differ</source>
        <translation>İki PIN farklı</translation>
    </message>
    <message>
        <source>Unknown role %1</source>
        <translation>Bilinmeyen rol %1</translation>
    </message>
    <message>
        <source>User %1 added as %2</source>
        <translation>%1 kullanıcısı %2 olarak eklendi</translation>
    </message>
    <message>
        <source>Select a user first</source>
        <translation>Önce bir kullanıcı seçin</translation>
    </message>
    <message>
        <source>PIN of %1 changed (lock-out cleared)</source>
        <translation>%1 kullanıcısının PIN&apos;i değişti (kilit kaldırıldı)</translation>
    </message>
    <message>
        <source>User %1 enabled</source>
        <translation>%1 kullanıcısı etkinleştirildi</translation>
    </message>
    <message>
        <source>User %1 disabled</source>
        <translation>%1 kullanıcısı devre dışı bırakıldı</translation>
    </message>
    <message>
        <source>%1 is now %2</source>
        <translation>%1 artık %2</translation>
    </message>
</context>
<context>
    <name>ValueTile</name>
    <message>
        <source>target %1</source>
        <translation>hedef %1</translation>
    </message>
    <message>
        <source>no data</source>
        <translation>veri yok</translation>
    </message>
    <message>
        <source>%1 old</source>
        <translation>%1 önce</translation>
    </message>
</context>
<context>
    <name>WriteDialog</name>
    <message>
        <source>at most %1 per second</source>
        <translation>saniyede en çok %1</translation>
    </message>
    <message>
        <source>no limits in the register map</source>
        <translation>yazmaç haritasında sınır yok</translation>
    </message>
    <message>
        <source>%1 is below the minimum %2</source>
        <translation>%1, en düşük değer %2 altında</translation>
    </message>
    <message>
        <source>%1 is above the maximum %2</source>
        <translation>%1, en yüksek değer %2 üstünde</translation>
    </message>
    <message>
        <source>the engine did not write it</source>
        <translation>motor bunu yazmadı</translation>
    </message>
    <message>
        <source>Refused: %1</source>
        <translation>Reddedildi: %1</translation>
    </message>
    <message>
        <source>Written %1</source>
        <translation>%1 yazıldı</translation>
    </message>
    <message>
        <source>(clamped from %1: %2)</source>
        <translation>(%1 değerinden sınırlandı: %2)</translation>
    </message>
    <message>
        <source>read back %1: verified</source>
        <translation>geri okunan %1: doğrulandı</translation>
    </message>
    <message>
        <source>no read-back</source>
        <translation>geri okuma yok</translation>
    </message>
    <message>
        <source>read back %1</source>
        <translation>geri okunan %1</translation>
    </message>
    <message>
        <source>%1: NOT verified</source>
        <translation>%1: DOĞRULANMADI</translation>
    </message>
    <message>
        <source>Write %1</source>
        <translation>%1 yaz</translation>
    </message>
    <message>
        <source>New %1</source>
        <translation>Yeni %1</translation>
    </message>
    <message>
        <source>Register</source>
        <translation>Yazmaç</translation>
    </message>
    <message>
        <source>Current</source>
        <translation>Şu anki</translation>
    </message>
    <message>
        <source>Limits</source>
        <translation>Sınırlar</translation>
    </message>
    <message>
        <source>New value</source>
        <translation>Yeni değer</translation>
    </message>
    <message>
        <source>Write…</source>
        <translation>Yaz…</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Geri</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Kapat</translation>
    </message>
    <message>
        <source>out of range: %1</source>
        <translation>aralık dışında: %1</translation>
    </message>
    <message>
        <source>Enter a number</source>
        <translation>Bir sayı girin</translation>
    </message>
    <message>
        <source>Not permitted: %1 may not write registers</source>
        <translation>İzin yok: %1 yazmaçlara yazamaz</translation>
    </message>
    <message>
        <source>nobody</source>
        <translation>kimse</translation>
    </message>
    <message>
        <source>Refused: %1. Nothing was written.</source>
        <translation>Reddedildi: %1. Hiçbir şey yazılmadı.</translation>
    </message>
    <message>
        <source>Confirm: write %1 %2 → %3?</source>
        <translation>Onay: %1 %2 → %3 yazılsın mı?</translation>
    </message>
    <message>
        <source>Confirm write</source>
        <translation>Yazmayı onayla</translation>
    </message>
    <message>
        <source>Writing %1…</source>
        <translation>%1 yazılıyor…</translation>
    </message>
</context>
<context>
    <name>formatting</name>
    <message>
        <source>band current (from torque)</source>
        <translation>şerit akımı (torktan)</translation>
    </message>
    <message>
        <source>no data</source>
        <translation>veri yok</translation>
    </message>
</context>
</TS>
