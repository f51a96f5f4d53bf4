#!/bin/sh
# Every container of the image starts here, then runs its command. The shipped catalog (datasets/)
# reads the NEX Retail sample world, which no image layer holds: the first start writes it under
# data/ (the data volume where one is mounted). ground_truth.json is the generator's last file, so a
# later start that finds it leaves the world as it is, and a first start cut short is redone by the
# next. NEX_SAMPLE_WORLD=off skips the step (a project with data of its own).
set -eu
world="${NEX_PROJECT_DIR:-/opt/dagster/app}/data/sample/retail"
if [ "${NEX_SAMPLE_WORLD:-on}" != "off" ] && [ ! -f "$world/ground_truth.json" ]; then
    nex sample --out "$world"
fi
exec "$@"
