from setuptools import Extension, setup

setup(ext_modules=[Extension("hellocext", ["hellocext.c"])])
