#!/bin/sh
exec /standin/route.sh web
