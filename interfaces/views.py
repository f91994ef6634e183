from django.shortcuts import render

from finance.tenancy.decorators import require_perm

from .models import Interface


@require_perm("interfaces.view")
def interface_list(request):
    interfaces = Interface.objects.filter(tenant=request.tenant).order_by("description")
    return render(request, "interfaces/list.html", {"interfaces": interfaces})
