#ifndef HTPASS_CCRYPT_SHIM_H
#define HTPASS_CCRYPT_SHIM_H
#include <crypt.h>
#endif
