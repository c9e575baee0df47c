#!/bin/bash
# Host side of the demo's dashboard screenshots (sourced by seed-demo.sh
# before it boots the VM). QEMU forwards 127.0.0.1:$DEMO_PORT on the host to
# the guest, where a relay passes it to the VIP's port 9160: the status page
# of whichever director holds the VIP. When the guest writes
# $DEMO_SYNC/shot-NAME, Debian's chromium (headless) saves the page as
# target/demo/NAME.png and its DOM as $DEMO_SYNC/NAME.html (the guest checks
# what the page shows), then writes shot-NAME.done. Without chromium the
# demo runs without screenshots and says so.

demo_shots_setup() { # out_dir
    DEMO_SHOT_DIR=$1
    mkdir -p "$DEMO_SHOT_DIR"
    DEMO_SYNC=$(mktemp -d /tmp/seed-demo-sync.XXXXXX)
    DEMO_PORT=$((20000 + $$ % 20000))
    while ss -Hltn "sport = :$DEMO_PORT" | grep -q .; do DEMO_PORT=$((DEMO_PORT + 1)); done
    export DEMO_SYNC DEMO_PORT
    if timeout 60 chromium --version >/dev/null 2>&1; then
        export HA_VM_QEMU_ARGS="-netdev user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$DEMO_PORT-10.0.2.15:9160 -device virtio-net-pci,netdev=n0"
        touch "$DEMO_SYNC/browser"
    fi
}

# Runs until the guest writes $DEMO_SYNC/finished (or the VM is gone).
demo_shots_serve() { # vm_pid
    local vm=$1 profile f name
    profile=$(mktemp -d /tmp/seed-demo-chromium.XXXXXX)
    while kill -0 "$vm" 2>/dev/null && [ ! -e "$DEMO_SYNC/finished" ]; do
        for f in "$DEMO_SYNC"/shot-*; do
            [ -e "$f" ] || continue
            case $f in *.done) continue ;; esac
            [ -e "$f.done" ] && continue
            name=${f##*/shot-}
            local b=(timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-quic
                --no-first-run --disable-background-networking --disable-component-update
                --disable-sync --user-data-dir="$profile")
            "${b[@]}" --dump-dom "http://127.0.0.1:$DEMO_PORT/lvs/" >"$DEMO_SYNC/$name.html" 2>/dev/null
            "${b[@]}" --screenshot="$DEMO_SHOT_DIR/$name.png" --window-size=1280,1400 \
                "http://127.0.0.1:$DEMO_PORT/lvs/" >/dev/null 2>&1
            touch "$f.done"
        done
        sleep 0.5
    done
    rm -rf "$profile"
}
