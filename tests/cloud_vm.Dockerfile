# A stand-in for a fresh cloud VM, for tests/test_cloud_init.py: systemd as PID 1 and cloud-init with
# the NoCloud datasource, on the tests' debootstrapped Debian base (tests/base_image.sh), whose CA
# bundle is the host's (apt and pip inside trust the same proxy CAs). Built and cached by tag.
ARG BASE_IMAGE=workshop-standin-base:bookworm
FROM ${BASE_IMAGE}
ENV container=docker DEBIAN_FRONTEND=noninteractive
# what an Ubuntu cloud image has that the provisioning relies on (and cloud-init's locale module:
# en_US.UTF-8 generated); python3-cffi-backend: cloud-init's crypto imports fail without it on minbase
RUN echo "deb http://deb.debian.org/debian bookworm main" > /etc/apt/sources.list \
    && apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends systemd systemd-sysv dbus cloud-init \
        python3-cffi-backend curl sudo iproute2 procps gpg util-linux e2fsprogs locales >/dev/null \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb \
    && echo "en_US.UTF-8 UTF-8" > /etc/locale.gen && locale-gen >/dev/null
# A container shares the host's kernel and network: cloud-init must never configure networking,
# and the units that manage devices, clocks, consoles or kernel settings of a real machine stay off.
RUN printf 'network: {config: disabled}\ndatasource_list: [NoCloud, None]\n' \
        > /etc/cloud/cloud.cfg.d/05-container.cfg \
    && for unit in systemd-udevd.service systemd-udevd-control.socket systemd-udevd-kernel.socket \
        systemd-udev-trigger.service systemd-timesyncd.service getty@tty1.service \
        systemd-networkd.service systemd-resolved.service systemd-logind.service \
        console-getty.service systemd-modules-load.service systemd-sysctl.service \
        sys-kernel-config.mount sys-kernel-debug.mount sys-kernel-tracing.mount \
        systemd-remount-fs.service systemd-binfmt.service proc-sys-fs-binfmt_misc.automount; do \
        ln -sf /dev/null "/etc/systemd/system/$unit"; \
    done
STOPSIGNAL SIGRTMIN+3
CMD ["/sbin/init"]
