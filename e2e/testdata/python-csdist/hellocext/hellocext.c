/* hellocext: one C extension module, no library beyond libc and libpython.
   greet() says what the compiler built it for, so the image's answer shows
   that the module loaded is compiled code. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#if defined(__aarch64__)
#define MACHINE "aarch64"
#elif defined(__x86_64__)
#define MACHINE "x86_64"
#else
#define MACHINE "another CPU"
#endif

static PyObject *greet(PyObject *self, PyObject *args) {
    return PyUnicode_FromString("hello from a C extension compiled for " MACHINE);
}

static PyMethodDef methods[] = {
    {"greet", greet, METH_NOARGS, "Say hello, and the CPU this module was compiled for."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "hellocext", NULL, -1, methods};

PyMODINIT_FUNC PyInit_hellocext(void) { return PyModule_Create(&module); }
