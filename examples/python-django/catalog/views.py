import django
from django.shortcuts import render

BOOKS = ["The Pragmatic Programmer", "Structure and Interpretation of Computer Programs"]


def shelf(request):
    return render(request, "catalog/shelf.html", {"books": BOOKS, "django": django.get_version()})
