#ifndef CSTARTUP_H
#define CSTARTUP_H

// CStartup has no API: its one function runs as a constructor before the Swift runtime's own
// initialisers, so that the static htpass executable runs where /proc is not mounted. See startup.c.

#endif
