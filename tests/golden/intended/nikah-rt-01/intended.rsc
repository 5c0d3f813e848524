# nikah-rt-01: intended configuration, rendered by kentops from the inventory and
# policies/access.yml. Change those, not the device. RouterOS 7.15.3.
/system identity
set name=nikah-rt-01
/system clock
set time-zone-autodetect=no time-zone-name=Europe/Istanbul
/interface bridge
add name=bridge-lan protocol-mode=rstp comment="LAN trunk to the building switch"
/interface bridge port
add bridge=bridge-lan interface=ether2
/interface vlan
add name=vlan10 vlan-id=10 interface=bridge-lan comment="YONETIM"
add name=vlan20 vlan-id=20 interface=bridge-lan comment="KULLANICI"
add name=vlan30 vlan-id=30 interface=bridge-lan comment="SES"
add name=vlan40 vlan-id=40 interface=bridge-lan comment="KAMERA"
add name=vlan50 vlan-id=50 interface=bridge-lan comment="MISAFIR"
/interface list
add name=kentops-lan comment="LAN side: neighbour discovery runs here only"
/interface list member
add list=kentops-lan interface=bridge-lan
/ip address
add address=10.40.10.1/24 interface=vlan10 comment="YONETIM gateway"
add address=10.40.10.4/24 interface=vlan10 comment="management address"
add address=10.40.20.1/24 interface=vlan20 comment="KULLANICI gateway"
add address=10.40.30.1/24 interface=vlan30 comment="SES gateway"
add address=10.40.40.1/24 interface=vlan40 comment="KAMERA gateway"
add address=172.16.40.1/24 interface=vlan50 comment="MISAFIR gateway"
/ip dhcp-client
add interface=ether1 add-default-route=yes default-route-distance=1 use-peer-dns=no use-peer-ntp=no disabled=no comment="Turk Telekom vdsl"
/ip dhcp-relay
add name=relay-vlan20 interface=vlan20 dhcp-server=10.10.60.13 local-address=10.40.20.1 disabled=no
add name=relay-vlan30 interface=vlan30 dhcp-server=10.10.60.13 local-address=10.40.30.1 disabled=no
add name=relay-vlan50 interface=vlan50 dhcp-server=10.10.60.13 local-address=172.16.40.1 disabled=no
/ip dns
set servers=10.10.60.11,10.10.60.12 allow-remote-requests=yes
/system ntp client
set enabled=yes
/system ntp client servers
add address=10.10.60.11
add address=10.10.60.12
/ip service
set telnet disabled=yes
set ftp disabled=yes
set www disabled=yes
set www-ssl disabled=yes
set api disabled=yes
set api-ssl disabled=yes
set winbox disabled=yes
set ssh disabled=no port=22 address=10.60.10.0/24,10.10.10.0/24,10.20.10.0/24,10.30.10.0/24,10.40.10.0/24,10.50.10.0/24,10.70.10.0/24
/ip ssh
set strong-crypto=yes
/tool bandwidth-server
set enabled=no
/ip neighbor discovery-settings
set discover-interface-list=kentops-lan
/radius
add service=login address=10.10.60.15 secret="{{ vault_network_aaa_shared_secret }}" src-address=10.40.10.4 timeout=3s
/user aaa
set use-radius=yes default-group=read
/user
add name=yerel-acil group=full password="{{ vault_network_local_fallback_hash_routeros }}" comment="local fallback, only when RADIUS is unreachable"
remove [find name=admin]
/snmp community
set [find default=yes] disabled=yes
add name=kentops-snmp security=private authentication-protocol=SHA1 authentication-password="{{ lookup('ansible.builtin.env', 'KENTOPS_SNMP_AUTH') }}" encryption-protocol=AES encryption-password="{{ lookup('ansible.builtin.env', 'KENTOPS_SNMP_PRIV') }}" addresses=10.60.10.0/24,10.10.10.0/24,10.20.10.0/24,10.30.10.0/24,10.40.10.0/24,10.50.10.0/24,10.70.10.0/24 read-access=yes write-access=no
/snmp
set enabled=yes trap-version=3 location="nikah Sube yonlendiricisi"
/system note
set show-at-login=yes note="YETKİSİZ ERİŞİM YASAKTIR. Bu sistem Örnek Belediyesi Bilgi İşlem Müdürlüğüne aittir; tüm oturumlar kayıt altına alınır ve izlenir. Yetkisiz kullanım 5237 sayılı Türk Ceza Kanunu'nun 243-245. maddeleri uyarınca suçtur. -- UNAUTHORIZED ACCESS IS PROHIBITED. This system belongs to the IT Directorate of Örnek Belediyesi; all sessions are logged and monitored. Unauthorised use is a crime under articles 243-245 of Turkish Penal Code No. 5237."
/system logging action
add name=kentops5651 target=remote remote=10.10.60.14 remote-port=514 src-address=10.40.10.4 bsd-syslog=yes syslog-facility=local7
/system logging
add topics=firewall action=kentops5651
add topics=info action=kentops5651
add topics=account action=kentops5651
add topics=critical action=kentops5651
/ip ipsec profile
add name=kentops hash-algorithm=sha256 enc-algorithm=aes-256 dh-group=modp2048
/ip ipsec proposal
add name=kentops auth-algorithms=sha256 enc-algorithms=aes-256-cbc pfs-group=modp2048
/ip ipsec peer
add name=merkez address=195.175.10.10/32 profile=kentops exchange-mode=ike2
/ip ipsec identity
add peer=merkez auth-method=pre-shared-key secret="{{ vault_network_ipsec_psk }}"
/ip ipsec policy
add action=none src-address=0.0.0.0/0 dst-address=10.40.10.0/24 comment="stays in the building"
add action=none src-address=0.0.0.0/0 dst-address=10.40.20.0/24 comment="stays in the building"
add action=none src-address=0.0.0.0/0 dst-address=10.40.30.0/24 comment="stays in the building"
add action=none src-address=0.0.0.0/0 dst-address=10.40.40.0/24 comment="stays in the building"
add action=none src-address=0.0.0.0/0 dst-address=172.16.40.0/24 comment="stays in the building"
add src-address=10.40.10.0/24 dst-address=10.0.0.0/8 tunnel=yes peer=merkez proposal=kentops
add src-address=10.40.10.0/24 dst-address=172.16.0.0/12 tunnel=yes peer=merkez proposal=kentops
add src-address=10.40.10.0/24 dst-address=192.168.0.0/16 tunnel=yes peer=merkez proposal=kentops
add src-address=10.40.20.0/24 dst-address=10.0.0.0/8 tunnel=yes peer=merkez proposal=kentops
add src-address=10.40.20.0/24 dst-address=172.16.0.0/12 tunnel=yes peer=merkez proposal=kentops
add src-address=10.40.20.0/24 dst-address=192.168.0.0/16 tunnel=yes peer=merkez proposal=kentops
add src-address=10.40.30.0/24 dst-address=10.0.0.0/8 tunnel=yes peer=merkez proposal=kentops
add src-address=10.40.30.0/24 dst-address=172.16.0.0/12 tunnel=yes peer=merkez proposal=kentops
add src-address=10.40.30.0/24 dst-address=192.168.0.0/16 tunnel=yes peer=merkez proposal=kentops
add src-address=10.40.40.0/24 dst-address=10.0.0.0/8 tunnel=yes peer=merkez proposal=kentops
add src-address=10.40.40.0/24 dst-address=172.16.0.0/12 tunnel=yes peer=merkez proposal=kentops
add src-address=10.40.40.0/24 dst-address=192.168.0.0/16 tunnel=yes peer=merkez proposal=kentops
add src-address=172.16.40.0/24 dst-address=10.0.0.0/8 tunnel=yes peer=merkez proposal=kentops
add src-address=172.16.40.0/24 dst-address=172.16.0.0/12 tunnel=yes peer=merkez proposal=kentops
add src-address=172.16.40.0/24 dst-address=192.168.0.0/16 tunnel=yes peer=merkez proposal=kentops
/ip firewall address-list
add list=kentops-internal address=10.0.0.0/8
add list=kentops-internal address=172.16.0.0/12
add list=kentops-internal address=192.168.0.0/16
add list=kentops-dns address=10.10.60.11
add list=kentops-dns address=10.10.60.12
add list=z-management address=10.60.10.0/24
add list=z-management address=10.10.10.0/24
add list=z-management address=10.20.10.0/24
add list=z-management address=10.30.10.0/24
add list=z-management address=10.40.10.0/24
add list=z-management address=10.50.10.0/24
add list=z-management address=10.70.10.0/24
add list=z-servers address=10.10.60.0/24
add list=z-dmz address=10.10.70.0/24
add list=z-cameras address=10.60.40.0/24
add list=z-cameras address=10.10.40.0/24
add list=z-cameras address=10.20.40.0/24
add list=z-cameras address=10.30.40.0/24
add list=z-cameras address=10.40.40.0/24
add list=z-cameras address=10.50.40.0/24
add list=z-cameras address=10.70.40.0/24
add list=z-voice address=10.60.30.0/24
add list=z-voice address=10.10.30.0/24
add list=z-voice address=10.20.30.0/24
add list=z-voice address=10.30.30.0/24
add list=z-voice address=10.40.30.0/24
add list=z-voice address=10.50.30.0/24
add list=z-printers address=10.10.80.0/24
add list=z-public address=10.10.55.0/24
add list=z-public address=10.20.55.0/24
add list=z-scada address=10.70.90.0/24
add list=s-radius address=10.10.60.15/32
add list=s-syslog address=10.10.60.14/32
add list=s-ntp address=10.10.60.11/32
add list=s-ntp address=10.10.60.12/32
add list=s-dns address=10.10.60.11/32
add list=s-dns address=10.10.60.12/32
add list=z-users address=10.60.20.0/24
add list=z-users address=10.10.20.0/24
add list=z-users address=10.20.20.0/24
add list=z-users address=10.30.20.0/24
add list=z-users address=10.40.20.0/24
add list=z-users address=10.50.20.0/24
add list=z-users address=10.70.20.0/24
add list=s-directory address=10.10.60.11/32
add list=s-directory address=10.10.60.12/32
add list=s-dhcp address=10.10.60.13/32
add list=s-file address=10.10.60.25/32
add list=s-pbx address=10.10.30.5/32
add list=s-nvr address=10.10.40.5/32
add list=s-nvr address=10.50.40.5/32
add list=z-guest address=172.16.10.0/24
add list=z-guest address=172.16.20.0/24
add list=z-guest address=172.16.30.0/24
add list=z-guest address=172.16.40.0/24
add list=z-guest address=172.16.50.0/24
/ip firewall filter
add chain=input action=accept connection-state=established,related
add chain=input action=drop connection-state=invalid
add chain=input action=accept protocol=icmp src-address-list=z-management
add chain=input action=accept protocol=tcp dst-port=22 src-address-list=z-management
add chain=input action=accept protocol=udp dst-port=161 src-address-list=z-management
add chain=input action=accept protocol=udp dst-port=500,4500 src-address=195.175.10.10
add chain=input action=accept protocol=ipsec-esp src-address=195.175.10.10
add chain=input action=accept protocol=udp dst-port=67 in-interface=vlan20 comment="DHCP relay"
add chain=input action=accept protocol=udp dst-port=67 in-interface=vlan30 comment="DHCP relay"
add chain=input action=accept protocol=udp dst-port=67 in-interface=vlan50 comment="DHCP relay"
add chain=input action=accept protocol=udp dst-port=53 in-interface=vlan50 comment="DNS of the guest zone: the router's resolver"
add chain=input action=accept protocol=tcp dst-port=53 in-interface=vlan50
add chain=input action=drop log=yes log-prefix="kentops-input"
add chain=forward action=accept connection-state=established,related
add chain=forward action=drop connection-state=invalid
add chain=forward action=drop protocol=tcp dst-port=853 in-interface=vlan20 log=yes log-prefix="5651-dot" comment="DNS over TLS would bypass the DNS filter"
add chain=forward action=drop protocol=udp dst-port=853 in-interface=vlan20 log=yes log-prefix="5651-dot"
add chain=forward action=drop protocol=tcp dst-port=853 in-interface=vlan50 log=yes log-prefix="5651-dot" comment="DNS over TLS would bypass the DNS filter"
add chain=forward action=drop protocol=udp dst-port=853 in-interface=vlan50 log=yes log-prefix="5651-dot"
add chain=forward action=accept protocol=tcp src-address-list=z-management dst-address-list=z-management dst-port=22,443 comment="mgmt-devices"
add chain=forward action=accept protocol=udp src-address-list=z-management dst-address-list=z-management dst-port=161,5246-5247
add chain=forward action=accept protocol=icmp src-address-list=z-management dst-address-list=z-management icmp-options=8:0
add chain=forward action=accept protocol=tcp src-address-list=z-management dst-address-list=z-servers dst-port=22,3389,443 comment="mgmt-servers"
add chain=forward action=accept protocol=icmp src-address-list=z-management dst-address-list=z-servers icmp-options=8:0
add chain=forward action=accept protocol=tcp src-address-list=z-management dst-address-list=z-dmz dst-port=22,443 comment="mgmt-dmz"
add chain=forward action=accept protocol=icmp src-address-list=z-management dst-address-list=z-dmz icmp-options=8:0
add chain=forward action=accept protocol=tcp src-address-list=z-management dst-address-list=z-cameras dst-port=443 comment="mgmt-cameras"
add chain=forward action=accept protocol=icmp src-address-list=z-management dst-address-list=z-cameras icmp-options=8:0
add chain=forward action=accept protocol=tcp src-address-list=z-management dst-address-list=z-voice dst-port=443 comment="mgmt-voice"
add chain=forward action=accept protocol=icmp src-address-list=z-management dst-address-list=z-voice icmp-options=8:0
add chain=forward action=accept protocol=tcp src-address-list=z-management dst-address-list=z-printers dst-port=443 comment="mgmt-printers"
add chain=forward action=accept protocol=udp src-address-list=z-management dst-address-list=z-printers dst-port=161
add chain=forward action=accept protocol=icmp src-address-list=z-management dst-address-list=z-printers icmp-options=8:0
add chain=forward action=accept protocol=tcp src-address-list=z-management dst-address-list=z-public dst-port=443,3389 comment="mgmt-public"
add chain=forward action=accept protocol=icmp src-address-list=z-management dst-address-list=z-public icmp-options=8:0
add chain=forward action=accept protocol=tcp src-address-list=z-management dst-address-list=z-scada dst-port=502,20000 log=yes log-prefix="kentops-mgmt-scada" comment="mgmt-scada"
add chain=forward action=accept protocol=udp src-address-list=z-management dst-address-list=s-radius dst-port=1812,1813 comment="mgmt-aaa"
add chain=forward action=accept protocol=udp src-address-list=z-management dst-address-list=s-syslog dst-port=514 comment="mgmt-syslog"
add chain=forward action=accept protocol=tcp src-address-list=z-management dst-address-list=s-syslog dst-port=6514
add chain=forward action=accept protocol=udp src-address-list=z-management dst-address-list=s-ntp dst-port=123 comment="mgmt-ntp"
add chain=forward action=accept protocol=udp src-address-list=z-management dst-address-list=s-dns dst-port=53 comment="mgmt-dns"
add chain=forward action=accept protocol=tcp src-address-list=z-management dst-address-list=s-dns dst-port=53
add chain=forward action=accept protocol=tcp src-address-list=z-users dst-address-list=s-directory dst-port=88,389,445,464,3268,53 comment="users-directory"
add chain=forward action=accept protocol=udp src-address-list=z-users dst-address-list=s-directory dst-port=88,389,464,53,123
add chain=forward action=accept protocol=udp src-address-list=z-users dst-address-list=s-dhcp dst-port=67 comment="users-dhcp"
add chain=forward action=accept protocol=tcp src-address-list=z-users dst-address-list=z-servers dst-port=443 comment="users-servers"
add chain=forward action=accept protocol=tcp src-address-list=z-users dst-address-list=s-file dst-port=445 comment="users-files"
add chain=forward action=accept protocol=tcp src-address-list=z-users dst-address-list=z-dmz dst-port=443,465,587,993 comment="users-dmz"
add chain=forward action=accept protocol=tcp src-address-list=z-users dst-address-list=z-printers dst-port=631,9100 comment="users-printers"
add chain=forward action=accept protocol=tcp src-address-list=z-users dst-address-list=!kentops-internal dst-port=80,443 log=yes log-prefix="kentops-users-internet" comment="users-internet"
add chain=forward action=accept protocol=tcp src-address-list=z-voice dst-address-list=s-pbx dst-port=5061,443 comment="voice-pbx"
add chain=forward action=accept protocol=udp src-address-list=z-voice dst-address-list=s-pbx dst-port=10000-20000
add chain=forward action=accept protocol=udp src-address-list=z-voice dst-address-list=s-ntp dst-port=123 comment="voice-ntp"
add chain=forward action=accept protocol=udp src-address-list=z-voice dst-address-list=s-dhcp dst-port=67 comment="voice-dhcp"
add chain=forward action=accept protocol=tcp src-address-list=s-nvr dst-address-list=z-cameras dst-port=554,80,443 comment="nvr-cameras"
add chain=forward action=accept protocol=tcp src-address-list=z-cameras dst-address-list=s-nvr dst-port=80,443 comment="cameras-nvr"
add chain=forward action=accept protocol=udp src-address-list=z-cameras dst-address-list=s-ntp dst-port=123 comment="cameras-ntp"
add chain=forward action=accept protocol=tcp src-address-list=z-users dst-address-list=s-nvr dst-port=443,554 comment="users-nvr"
add chain=forward action=accept protocol=tcp src-address-list=z-guest dst-address-list=!kentops-internal dst-port=80,443,53 log=yes log-prefix="kentops-guest-internet" comment="guest-internet"
add chain=forward action=accept protocol=udp src-address-list=z-guest dst-address-list=!kentops-internal dst-port=53 log=yes log-prefix="kentops-guest-internet"
add chain=forward action=accept protocol=udp src-address-list=z-guest dst-address-list=s-dhcp dst-port=67 comment="guest-dhcp"
add chain=forward action=drop log=yes log-prefix="kentops-deny"
/ip firewall nat
add chain=dstnat action=dst-nat protocol=udp dst-port=53 in-interface=vlan20 dst-address-list=!kentops-dns to-addresses=10.10.60.11 to-ports=53 log=yes log-prefix="5651-dns" comment="DNS of the users zone only through the site resolvers"
add chain=dstnat action=dst-nat protocol=tcp dst-port=53 in-interface=vlan20 dst-address-list=!kentops-dns to-addresses=10.10.60.11 to-ports=53 log=yes log-prefix="5651-dns"
add chain=dstnat action=redirect protocol=udp dst-port=53 in-interface=vlan50 dst-address-type=!local to-ports=53 log=yes log-prefix="5651-dns" comment="DNS of the guest zone only through the router resolver"
add chain=dstnat action=redirect protocol=tcp dst-port=53 in-interface=vlan50 dst-address-type=!local to-ports=53 log=yes log-prefix="5651-dns"
add chain=srcnat action=masquerade out-interface=ether1 ipsec-policy=out,none log=yes log-prefix="5651-nat"
